import type { Node, NodeDef } from 'node-red';
import { createBus } from '../../connectors/amqp';
import type { Bus, BusState } from '../../connectors/amqp/bus';
import { hubRuntime } from '../shared/hub-runtime';
import { ensureHubRoutes } from '../shared/mount';
import { configuredValue, errorMessage, type RED } from '../shared/red';

export interface AmqpBrokerDef extends NodeDef {
  url: string;
  heartbeat: string;
}

interface Credentials {
  user?: string;
  password?: string;
}

export interface AmqpBrokerNode extends Node<Credentials> {
  bus: Bus;
  register(client: Node): Promise<void>;
  deregister(client: Node): Promise<void>;
  /**
   * Registers the client and runs its setup (declare, consume); when the broker is not reachable yet,
   * runs it again each time the bus connects, until it succeeds. Returns a function that stops trying.
   */
  whenConnected(client: Node, setup: () => Promise<void>, onError: (err: unknown) => void): () => void;
}

const STATUS: Record<BusState, { fill: 'green' | 'yellow' | 'red' | 'grey'; text: string }> = {
  connected: { fill: 'green', text: 'connected' },
  connecting: { fill: 'yellow', text: 'connecting' },
  disconnected: { fill: 'red', text: 'disconnected' },
  closed: { fill: 'grey', text: 'closed' },
};

/** Puts credentials kept in Node-RED's credential store into the URL, so the flow file holds none. */
export function brokerUrl(url: string, credentials: Credentials): string {
  if (!url || !credentials.user) return url;
  const parsed = new URL(url);
  parsed.username = encodeURIComponent(credentials.user);
  parsed.password = encodeURIComponent(credentials.password ?? '');
  return parsed.toString();
}

export default function (RED: RED) {
  ensureHubRoutes(RED);

  function AmqpBroker(this: AmqpBrokerNode, config: AmqpBrokerDef) {
    RED.nodes.createNode(this, config);
    const url = brokerUrl(configuredValue(config.url), this.credentials ?? {});
    this.bus = createBus(url, { heartbeatSeconds: Number(config.heartbeat) || 30 });
    const clients = new Set<Node>();
    let starting: Promise<void> | undefined;

    const showState = (state: BusState, detail?: string) => {
      const s = STATUS[state];
      for (const client of clients)
        client.status({ fill: s.fill, shape: 'dot', text: detail ? `${s.text}: ${detail}` : s.text });
      if (state === 'disconnected') this.warn(`bus disconnected${detail ? `: ${detail}` : ''}; reconnecting`);
      if (state === 'connected' && this.bus.kind === 'rabbitmq')
        this.log(`bus connected: ${this.bus.describe()}`);
    };
    this.bus.on('state', showState);
    this.log(`bus: ${this.bus.describe()}`);

    hubRuntime.health.addBus(this.id, async () => {
      const state = this.bus.state();
      return {
        id: this.id,
        name: config.name || this.bus.kind,
        kind: this.bus.kind,
        ok: state === 'connected',
        state,
        detail: this.bus.describe(),
      };
    });

    // Connect when the first client registers, like Node-RED's mqtt-broker, so an unused broker
    // config in a flow opens no connection.
    this.register = async (client: Node) => {
      clients.add(client);
      const s = STATUS[this.bus.state()];
      client.status({ fill: s.fill, shape: 'dot', text: s.text });
      starting ??= this.bus.start().catch((err: unknown) => {
        starting = undefined;
        throw err;
      });
      await starting;
    };

    this.deregister = async (client: Node) => {
      clients.delete(client);
    };

    this.whenConnected = (client, setup, onError) => {
      let finished = false;
      let running = false;
      const attempt = async () => {
        if (finished || running) return;
        running = true;
        try {
          await this.register(client);
          await setup();
          finished = true;
          this.bus.off('state', onState);
        } catch (err) {
          onError(err);
        } finally {
          running = false;
        }
      };
      const onState = (state: BusState) => {
        if (state === 'connected') void attempt();
      };
      this.bus.on('state', onState);
      void attempt();
      return () => {
        finished = true;
        this.bus.off('state', onState);
      };
    };

    this.on('close', (_removed: boolean, done: () => void) => {
      hubRuntime.health.remove(this.id);
      this.bus.off('state', showState);
      this.bus
        .close()
        .catch((err: unknown) => this.warn(`closing the bus failed: ${errorMessage(err)}`))
        .finally(() => done());
    });
  }

  RED.nodes.registerType<AmqpBrokerNode, AmqpBrokerDef, object, Credentials>('amqp-broker', AmqpBroker, {
    credentials: { user: { type: 'text' }, password: { type: 'password' } },
  });
}
