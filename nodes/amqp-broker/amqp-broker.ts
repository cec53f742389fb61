import type { Node, NodeDef } from 'node-red';
import { createBus, parseBrokerUrls, withCredentials, type Credentials } from '../../connectors/amqp';
import type { Bus, BusState } from '../../connectors/amqp/bus';
import { setUpOnConnect } from '../../connectors/amqp/set-up-on-connect';
import { UnusableBus } from '../../connectors/amqp/unusable-bus';
import { hubRuntime } from '../shared/hub-runtime';
import { migrate } from '../shared/migrate';
import { ensureHubRoutes } from '../shared/mount';
import { configuredValue, errorMessage, type RED } from '../shared/red';
import { savedInFlow, urlListHoldsSecret } from '../shared/secrets-in-flow';
import { migrations } from './migrations';

export interface AmqpBrokerDef extends NodeDef {
  /** broker URLs, one per line or comma separated; with several the bus fails over round robin */
  urls: string;
  heartbeat: string;
}

export interface ClientOptions {
  /**
   * The client shows the bus state itself, within a status of its own (golden-record beside its
   * counts), so the broker does not set the client's status on register and on every change of state.
   */
  ownStatus?: boolean;
}

export interface AmqpBrokerNode extends Node<Credentials> {
  bus: Bus;
  register(client: Node, options?: ClientOptions): Promise<void>;
  deregister(client: Node): Promise<void>;
  /**
   * Registers the client and runs its setup (declare, consume); when the broker is not reachable yet,
   * runs it again each time the bus connects, until it succeeds. Returns a function that stops trying
   * and resolves once an attempt under way has finished, so its result can be undone.
   */
  whenConnected(
    client: Node,
    setup: () => Promise<void>,
    onError: (err: unknown) => void,
    options?: ClientOptions,
  ): () => Promise<void>;
}

const STATUS: Record<BusState, { fill: 'green' | 'yellow' | 'red' | 'grey'; text: string }> = {
  connected: { fill: 'green', text: 'node-red:common.status.connected' },
  connecting: { fill: 'yellow', text: 'node-red:common.status.connecting' },
  disconnected: { fill: 'red', text: 'node-red:common.status.disconnected' },
  closed: { fill: 'grey', text: 'amqp-broker.status.closed' },
};

/**
 * The broker URLs with user and password from Node-RED's credential store, so the flow file holds
 * none. An entry that is still an unset `${VAR}` counts as not configured.
 */
export function brokerUrls(text: string, credentials: Credentials): string[] {
  return parseBrokerUrls(text)
    .map(configuredValue)
    .flatMap((entry) => parseBrokerUrls(entry))
    .map((url) => withCredentials(url, credentials));
}

/** The bus of the settings; one that fails every operation with the reason when they cannot be used. */
function busOf(config: AmqpBrokerDef, credentials: Credentials, report: (err: unknown) => void): Bus {
  try {
    return createBus(brokerUrls(config.urls, credentials), {
      heartbeatSeconds: Number(config.heartbeat) || 30,
    });
  } catch (err) {
    report(err);
    return new UnusableBus(errorMessage(err));
  }
}

export default function (RED: RED) {
  ensureHubRoutes(RED);

  function AmqpBroker(this: AmqpBrokerNode, saved: AmqpBrokerDef) {
    const config = migrate<AmqpBrokerDef>(saved, migrations);
    RED.nodes.createNode(this, config);
    // still used, so an upgraded deployment keeps running; the editor marks it invalid
    if (urlListHoldsSecret(savedInFlow(config.urls))) this.warn(RED._('amqp-broker.log.secret-in-flow'));
    this.bus = busOf(config, this.credentials ?? {}, (err) =>
      this.error(RED._('amqp-broker.log.unusable', { error: errorMessage(err) })),
    );
    const clients = new Set<Node>();
    let starting: Promise<void> | undefined;
    const statusOf = (state: BusState) => ({ fill: STATUS[state].fill, text: RED._(STATUS[state].text) });

    const showState = (state: BusState, detail?: string) => {
      const { fill, text } = statusOf(state);
      for (const client of clients)
        client.status({ fill, shape: 'dot', text: detail ? `${text}: ${detail}` : text });
      if (state === 'disconnected')
        this.warn(RED._('amqp-broker.log.disconnected', { reason: detail ?? '' }));
      if (state === 'connected' && this.bus.kind === 'rabbitmq')
        this.log(RED._('amqp-broker.log.connected', { bus: this.bus.describe() }));
    };
    this.bus.on('state', showState);
    this.log(RED._('amqp-broker.log.using', { bus: this.bus.describe() }));

    hubRuntime.health.addBus(this.id, async () => {
      const state = this.bus.state();
      // a blocked connection takes no publish: SOAP and REST callers would wait for confirms that do not come
      const blocked = state === 'connected' ? this.bus.blockedBy?.() : undefined;
      return {
        id: this.id,
        name: config.name || this.bus.kind,
        kind: this.bus.kind,
        ok: state === 'connected' && blocked === undefined,
        state: blocked === undefined ? state : 'blocked',
        detail:
          blocked === undefined
            ? this.bus.describe()
            : `${this.bus.describe()}: blocked by the broker (${blocked})`,
      };
    });

    // Connect when the first client registers, like Node-RED's mqtt-broker, so an unused broker
    // config in a flow opens no connection.
    this.register = async (client: Node, options: ClientOptions = {}) => {
      if (!options.ownStatus) {
        clients.add(client);
        const { fill, text } = statusOf(this.bus.state());
        client.status({ fill, shape: 'dot', text });
      }
      starting ??= this.bus.start().catch((err: unknown) => {
        starting = undefined;
        throw err;
      });
      await starting;
    };

    this.deregister = async (client: Node) => {
      clients.delete(client);
    };

    this.whenConnected = (client, setup, onError, options) =>
      setUpOnConnect(
        this.bus,
        async (stopped) => {
          await this.register(client, options);
          if (!stopped()) await setup();
        },
        onError,
      );

    // The bus drains its consumers before it closes (each amqp-in waits, up to its bounded drain, for the
    // messages it has in the flow), so a redeploy that closes this node together with its clients does
    // not hand those back while they are being finished. It still repeats some: in a flow of several
    // nodes Node-RED drops a message sent to a node already stopped, and that message is requeued
    // after the earlier nodes' effects ran; what is unsettled at the drain's bound is requeued too.
    // Delivery is at least once; consumers must be idempotent (docs/amqp.md).
    this.on('close', (_removed: boolean, done: () => void) => {
      hubRuntime.health.remove(this.id);
      this.bus.off('state', showState);
      this.bus
        .close()
        .catch((err: unknown) =>
          this.warn(RED._('amqp-broker.log.close-failed', { error: errorMessage(err) })),
        )
        .finally(() => done());
    });
  }

  RED.nodes.registerType<AmqpBrokerNode, AmqpBrokerDef, object, Credentials>('amqp-broker', AmqpBroker, {
    credentials: { user: { type: 'text' }, password: { type: 'password' } },
  });
}
