import { randomUUID } from 'node:crypto';
import type { Node, NodeDef, NodeMessage } from 'node-red';
import { DEFAULT_EXCHANGE } from '../../connectors/amqp/bus';
import { CANONICAL_EVENT_KEY, routingKeyFor } from '../../connectors/amqp/routing-key';
import type { AmqpBrokerNode } from '../amqp-broker/amqp-broker';
import { ensureHubRoutes } from '../shared/mount';
import { countStatus, errorMessage, type Done, type RED, type Send } from '../shared/red';

export interface AmqpOutDef extends NodeDef {
  broker: string;
  exchange: string;
  /** template with {path} placeholders from the payload; empty: msg.routingKey, then `event.{type}.{channel}` */
  routingKey: string;
}

type OutMessage = NodeMessage & { routingKey?: unknown; headers?: Record<string, unknown> };

export default function (RED: RED) {
  ensureHubRoutes(RED);

  function AmqpOut(this: Node, config: AmqpOutDef) {
    RED.nodes.createNode(this, config);
    const broker = RED.nodes.getNode(config.broker) as AmqpBrokerNode | null;
    if (!broker) {
      this.status({ fill: 'red', shape: 'ring', text: RED._('amqp-out.status.no-broker') });
      this.error(RED._('amqp-out.errors.no-broker'));
      return;
    }
    const exchange = config.exchange || DEFAULT_EXCHANGE;
    const counts = { ok: 0, failed: 0 };
    // Set up on first use and again after a failure, so a broker that comes up after the hub is used.
    let ready: Promise<void> | undefined;
    const ensureReady = () =>
      (ready ??= broker
        .register(this)
        .then(() => broker.bus.declareExchange(exchange))
        .catch((err: unknown) => {
          ready = undefined;
          throw new Error(RED._('amqp-out.errors.connect', { error: errorMessage(err) }));
        }));
    ensureReady().catch((err: Error) => this.warn(err.message));

    this.on('input', (msg: OutMessage, send: Send, done: Done) => {
      void (async () => {
        try {
          await ensureReady();
          const payload = msg.payload;
          const routingKey = config.routingKey
            ? routingKeyFor(config.routingKey, payload)
            : typeof msg.routingKey === 'string' && msg.routingKey
              ? msg.routingKey
              : routingKeyFor(CANONICAL_EVENT_KEY, payload);
          // Consumers deduplicate by message id; documents without an eventId (customers) get one here.
          const eventId = (payload as { eventId?: unknown } | null)?.eventId;
          const messageId = typeof eventId === 'string' && eventId ? eventId : randomUUID();
          const body = Buffer.isBuffer(payload) ? payload : Buffer.from(JSON.stringify(payload));
          // Resolves only after the broker confirmed; an unroutable message (mandatory) rejects.
          await broker.bus.publish(exchange, routingKey, body, {
            contentType: Buffer.isBuffer(payload) ? 'application/octet-stream' : 'application/json',
            messageId,
            headers: msg.headers,
          });
          counts.ok += 1;
          countStatus(this, counts, 'published');
          send({ ...msg, amqp: { exchange, routingKey, messageId, confirmed: true } } as NodeMessage);
          done();
        } catch (err) {
          counts.failed += 1;
          countStatus(this, counts, 'published');
          done(new Error(RED._('amqp-out.errors.publish', { error: errorMessage(err) })));
        }
      })();
    });

    this.on('close', (_removed: boolean, done: () => void) => {
      void broker.deregister(this).finally(() => done());
    });
  }

  RED.nodes.registerType('amqp-out', AmqpOut);
}
