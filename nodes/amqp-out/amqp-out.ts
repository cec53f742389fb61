import type { Node, NodeDef, NodeMessage } from 'node-red';
import { DEFAULT_EXCHANGE } from '../../connectors/amqp/bus';
import { publicationOf } from '../../connectors/amqp/outbound';
import { childTraceparent } from '../../connectors/http/trace-context';
import type { AmqpBrokerNode } from '../amqp-broker/amqp-broker';
import { onInput } from '../shared/input';
import { migrate } from '../shared/migrate';
import { traceparentOf, withTraceHeader } from '../shared/trace';
import { ensureHubRoutes } from '../shared/mount';
import { countStatus, countText, errorMessage, type RED } from '../shared/red';
import { migrations } from './migrations';

export interface AmqpOutDef extends NodeDef {
  broker: string;
  exchange: string;
  /** template with {path} placeholders from the payload; empty: msg.routingKey, then `event.{type}.{channel}` */
  routingKey: string;
}

type OutMessage = NodeMessage & { routingKey?: unknown; headers?: Record<string, unknown> };

export default function (RED: RED) {
  ensureHubRoutes(RED);
  const published = countText(RED, 'amqp-out');

  function AmqpOut(this: Node, saved: AmqpOutDef) {
    const config = migrate<AmqpOutDef>(saved, migrations);
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
          throw err;
        }));
    ensureReady().catch((err: unknown) =>
      this.warn(RED._('amqp-out.errors.connect', { error: errorMessage(err) })),
    );

    // A failure reaches done(err) as the bus threw it: a BusError whose kind (also msg.error.code in a
    // Catch node) tells nacked, unroutable, outcome-unknown and not-connected apart.
    onInput<OutMessage>(
      this,
      async (msg, send) => {
        await ensureReady();
        const out = publicationOf(msg.payload, config.routingKey, msg.routingKey);
        const trace = traceparentOf(msg);
        // Resolves only after the broker confirmed; an unroutable message (mandatory) rejects.
        await broker.bus.publish(exchange, out.routingKey, out.body, {
          contentType: out.contentType,
          messageId: out.messageId,
          // the msg's W3C trace goes on as the header traceparent, a child of it (docs/policies.md, Trace)
          headers: withTraceHeader(msg.headers, trace && childTraceparent(trace)),
        });
        counts.ok += 1;
        countStatus(this, counts, published);
        const amqp = { exchange, routingKey: out.routingKey, messageId: out.messageId, confirmed: true };
        send({ ...msg, amqp } as NodeMessage);
      },
      {
        errorStatus: false,
        onError: () => {
          counts.failed += 1;
          countStatus(this, counts, published);
        },
      },
    );

    this.on('close', (_removed: boolean, done: () => void) => {
      void broker.deregister(this).finally(() => done());
    });
  }

  RED.nodes.registerType('amqp-out', AmqpOut);
}
