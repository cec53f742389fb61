import type { Node, NodeDef, NodeMessage } from 'node-red';
import { DEFAULT_EXCHANGE } from '../../connectors/amqp/bus';
import { isBusError } from '../../connectors/amqp/bus-error';
import { publicationOf } from '../../connectors/amqp/outbound';
import { SyncTopology, targetSystemOf } from '../../connectors/amqp/sync-topology';
import { childOf } from '../../connectors/http/trace-context';
import type { AmqpBrokerNode } from '../amqp-broker/amqp-broker';
import { onInput } from '../shared/input';
import { migrate } from '../shared/migrate';
import { refuseMessages } from '../shared/misconfigured';
import { traceOf, withTraceHeader } from '../shared/trace';
import { ensureHubRoutes } from '../shared/mount';
import { hubMetrics } from '../../app/metrics/hub-metrics';
import { busCountStatus } from '../shared/bus-count-status';
import { errorMessage, type RED } from '../shared/red';
import { migrations } from './migrations';
import { noSuchQueue } from './no-such-queue';

export interface AmqpOutDef extends NodeDef {
  broker: string;
  exchange: string;
  /** template with {path} placeholders from the payload; empty: msg.routingKey, then `event.{type}.{channel}` */
  routingKey: string;
  /** "exchange": to the exchange, by routing key; "queue": straight into one queue (the default exchange) */
  destination: 'exchange' | 'queue';
  /** destination "queue": the queue; empty: msg.queue. crm.out.<system> is declared as a sync target */
  queue: string;
}

type OutMessage = NodeMessage & {
  routingKey?: unknown;
  queue?: unknown;
  messageId?: unknown;
  contentType?: unknown;
  headers?: Record<string, unknown>;
};

export default function (RED: RED) {
  ensureHubRoutes(RED);

  function AmqpOut(this: Node, saved: AmqpOutDef) {
    const config = migrate<AmqpOutDef>(saved, migrations);
    RED.nodes.createNode(this, config);
    const broker = RED.nodes.getNode(config.broker) as AmqpBrokerNode | null;
    if (!broker) {
      refuseMessages(this, RED._('amqp-out.errors.no-broker'), RED._('amqp-out.status.no-broker'));
      return;
    }
    const toQueue = config.destination === 'queue';
    const exchange = toQueue ? '' : config.exchange || DEFAULT_EXCHANGE;
    // the broker's state beside the counts, instead of one replacing the other
    const status = busCountStatus(RED, this, 'amqp-out', { bus: broker.bus });
    // by queue when publishing straight into one (the default exchange, named '' by AMQP)
    const meter = hubMetrics.amqpOut(toQueue ? '(AMQP default)' : exchange, config.name || this.id);
    // Set up on first use and again after a failure, so a broker that comes up after the hub is used.
    let ready: Promise<void> | undefined;
    // Once set up, a message goes straight to the publish: awaiting a settled promise per message
    // cost a microtask each, for the set-up and for the target queue's declaration.
    let readyNow = false;
    const ensureReady = () =>
      (ready ??= broker
        .register(this, { ownStatus: true })
        .then(() => (toQueue ? undefined : broker.bus.declareExchange(exchange)))
        .then(
          () => {
            readyNow = true;
          },
          (err: unknown) => {
            ready = undefined;
            throw err;
          },
        ));
    ensureReady().catch((err: unknown) =>
      this.warn(RED._('amqp-out.errors.connect', { error: errorMessage(err) })),
    );
    // A record-sync target queue is declared as the topology declares it (retry ladder, crm.dlx), once;
    // any other queue must exist, or the publish comes back unroutable.
    const declared = new Map<string, Promise<void>>();
    /** the target queues whose declaration in `declared` has finished */
    const declaredNow = new Set<string>();
    const forget = (queue: string) => {
      declared.delete(queue);
      declaredNow.delete(queue);
    };
    const ensureQueue = (queue: string): Promise<void> | undefined => {
      if (declaredNow.has(queue)) return undefined;
      const system = targetSystemOf(queue);
      if (!system) return undefined;
      let done = declared.get(queue);
      if (!done) {
        const declaring = new SyncTopology(broker.bus, { targets: [system] }).declareTarget(system);
        declaring.then(
          () => {
            if (declared.get(queue) === declaring) declaredNow.add(queue);
          },
          () => {
            if (declared.get(queue) === declaring) forget(queue);
          },
        );
        declared.set(queue, declaring);
        done = declaring;
      }
      return done;
    };
    const queueOf = (msg: OutMessage): string => {
      const queue = config.queue || (typeof msg.queue === 'string' ? msg.queue : '');
      if (!queue) throw new Error(RED._('amqp-out.errors.no-queue'));
      return queue;
    };

    // A failure reaches done(err) as the bus threw it: a BusError whose kind (also msg.error.code in a
    // Catch node) tells nacked, unroutable, outcome-unknown and not-connected apart.
    onInput<OutMessage>(
      this,
      async (msg, send) => {
        if (!readyNow) await ensureReady();
        const queue = toQueue ? queueOf(msg) : undefined;
        const declaring = queue === undefined ? undefined : ensureQueue(queue);
        if (declaring) await declaring;
        const out = publicationOf(msg.payload, toQueue ? '' : config.routingKey, queue ?? msg.routingKey, {
          messageId: msg.messageId,
          contentType: msg.contentType,
        });
        const trace = traceOf(msg);
        // Resolves only after the broker confirmed; an unroutable message (mandatory) rejects.
        const publish = () =>
          broker.bus.publish(exchange, out.routingKey, out.body, {
            contentType: out.contentType,
            messageId: out.messageId,
            // the msg's W3C trace goes on as the header traceparent, a child of it (docs/policies.md, Trace)
            headers: withTraceHeader(msg.headers, trace && childOf(trace)),
          });
        try {
          await publish();
        } catch (err) {
          if (!queue || !isBusError(err, 'unroutable')) throw err;
          if (!declared.has(queue)) throw noSuchQueue(RED, queue, err);
          // a target queue deleted while the hub runs: the broker returned the message, so it is declared
          // again and the message sent once more, rather than every update to it dead-lettered
          forget(queue);
          await ensureQueue(queue);
          await publish();
        }
        status.counts.ok += 1;
        meter.published += 1;
        status.counted();
        const amqp = { exchange, routingKey: out.routingKey, messageId: out.messageId, confirmed: true };
        send({ ...msg, amqp } as NodeMessage);
      },
      {
        errorStatus: false,
        onError: (err) => {
          status.counts.failed += 1;
          meter.fail((err as { kind?: unknown }).kind);
          status.counted();
        },
      },
    );

    this.on('close', (_removed: boolean, done: () => void) => {
      status.stop();
      void broker.deregister(this).finally(() => done());
    });
  }

  RED.nodes.registerType('amqp-out', AmqpOut);
}
