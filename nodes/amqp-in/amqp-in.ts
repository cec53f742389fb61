import type { Node, NodeMessage } from 'node-red';
import type { Delivery, Subscription } from '../../connectors/amqp/bus';
import {
  decodeBody,
  deliveryLimitOf,
  payloadOutputOf,
  type PayloadOutput,
} from '../../connectors/amqp/consume-config';
import { DEFAULT_INBOUND_QUEUE } from '../../connectors/amqp/sync-topology';
import { IdempotentRepository } from '../../connectors/amqp/idempotent-repository';
import { admit, inboundProperties, type Admission, type Screen } from '../../connectors/amqp/inbound';
import { reusedEventIdScreen } from '../../records/event-id-claim';
import type { AmqpBrokerNode } from '../amqp-broker/amqp-broker';
import type { HubStoreNode } from '../hub-store/hub-store';
import { closeWaitMs } from '../hub-store/store-users';
import { consumerHealth } from '../../app/api/health';
import { hubMetrics } from '../../app/metrics/hub-metrics';
import { hubRuntime } from '../shared/hub-runtime';
import { migrate } from '../shared/migrate';
import { ensureHubRoutes } from '../shared/mount';
import { errorMessage, type RED } from '../shared/red';
import type { AmqpInDef } from './amqp-in-config';
import { completionTracker } from './completion-hooks';
import { consumePlan } from './consume-plan';
import { consumerStatus } from './consumer-status';
import { doneLessDownstream } from './done-less';
import { flowSettlement } from './flow-settlement';
import { migrations } from './migrations';
import { warnConsumeFailed, warnIfUnprotected } from './queue-warnings';
import { syncTargetOf } from './target-retries';

export default function (RED: RED) {
  ensureHubRoutes(RED);
  const tracker = completionTracker(RED);

  function AmqpIn(this: Node, saved: AmqpInDef) {
    const config = migrate<AmqpInDef>(saved, migrations);
    RED.nodes.createNode(this, config);
    const broker = RED.nodes.getNode(config.broker) as AmqpBrokerNode | null;
    const status = consumerStatus(RED, this);
    if (!broker) return status.noBroker();
    let output: PayloadOutput;
    let deliveryLimit: number | undefined;
    try {
      output = payloadOutputOf(config.output);
    } catch (err) {
      return status.badSetting('amqp-in.status.bad-output', err);
    }
    try {
      deliveryLimit = deliveryLimitOf(config.deliveryLimit);
    } catch (err) {
      return status.badSetting('amqp-in.status.bad-delivery-limit', err);
    }
    const storeNode = config.store ? (RED.nodes.getNode(config.store) as HubStoreNode | null) : null;
    const syncInbound = config.topology === 'sync-inbound';
    const queue = (config.queue || '').trim() || (syncInbound ? DEFAULT_INBOUND_QUEUE : '');
    // crm.out.<system> as the topology declares it, failures down its retry ladder
    const target = config.topology === 'sync-target' ? syncTargetOf(broker.bus, queue) : undefined;
    if (config.topology === 'sync-target' && !target) return status.notTarget(queue);
    if (!queue) return status.noQueue();
    warnIfUnprotected(RED, this, queue, saved, config, deliveryLimit);
    const timeoutMs = Number(config.timeout) || 60000;
    // Past nodeCloseTimeout Node-RED logs "Close timed out" and goes on while this consumer would still
    // hold its messages; what is unsettled at the bound goes back to the queue instead.
    const drainMs = Math.min(timeoutMs, closeWaitMs(RED));
    // legacy records on crm.inbound are known by id and body: their publishers reuse ids
    const keyedBy = syncInbound ? 'message-id-and-body' : 'message-id';
    const repository = storeNode ? new IdempotentRepository(storeNode.ready, queue, keyedBy) : undefined;
    // with a store, a canonical event whose id another event's content holds is a dead letter, not a
    // redelivery to skip (records/event-id-claim.ts)
    const screen: Screen | undefined = storeNode ? reusedEventIdScreen(() => storeNode.ready) : undefined;
    // The drain records what it settles in the store, so the store stays open until this node left it.
    storeNode?.register(this);
    let subscription: Subscription | undefined;
    let closing = false;
    // /healthz: not ready until the queue is bound and consumed, with the last reason it is not
    let consumeError: string | undefined;
    hubRuntime.health.addConsumer(this.id, () =>
      Promise.resolve(
        consumerHealth({
          id: this.id,
          name: config.name || queue,
          queue,
          subscribed: subscription !== undefined,
          busState: broker.bus.state(),
          ...(consumeError !== undefined ? { consumeError } : {}),
        }),
      ),
    );

    const meter = hubMetrics.amqpIn(queue, config.name || this.id);
    const { settler, requeueNow, requeueLater, requeuePaused } = flowSettlement(
      RED,
      this,
      meter,
      repository,
      () => closing,
      target,
    );

    const onDelivery = (delivery: Delivery): void | Promise<void> => {
      meter.received += 1;
      // Without a store there is nothing to look up before the flow: a readable body goes in at once,
      // as admit() would let it, without a promise and its microtasks per message.
      if (repository === undefined && screen === undefined) {
        const decoded = decodeBody(delivery, output);
        if (decoded.ok) return handle(delivery, { kind: 'accepted', payload: decoded.value });
      }
      return admit(delivery, repository, output, screen).then((admitted) => handle(delivery, admitted));
    };

    const handle = (delivery: Delivery, admitted: Admission): void => {
      meter.admitted(admitted.kind);
      // The flow is being stopped: a message not yet in it goes back to the queue.
      if (closing && admitted.kind === 'accepted') return requeueNow(delivery);
      if (admitted.kind === 'undecodable' || admitted.kind === 'refused')
        this.warn(RED._('amqp-in.errors.undecodable', { reason: admitted.reason }));
      if (admitted.kind !== 'accepted') return;
      const msgId = RED.util.generateId();
      const amqp = inboundProperties(delivery, queue);
      const msg = { _msgid: msgId, topic: delivery.routingKey, payload: admitted.payload, amqp };
      if (config.ack === 'receipt') {
        meter.acked += 1;
        delivery.ack();
        this.send(msg as NodeMessage);
        return;
      }
      meter.inFlight += 1;
      tracker.track(msgId, settler(delivery), timeoutMs);
      this.send(msg as NodeMessage);
      // Nothing wired: no onSend event will come, so the message is handled already.
      tracker.settleIfIdle(msgId);
    };

    const plan = consumePlan(broker.bus, config, queue, { syncInbound, target, drainMs, deliveryLimit });
    const consume = async () => {
      const options = plan.options();
      await plan.prepare(options);
      subscription = await broker.bus.consume(options, (delivery) => {
        // admit reads the idempotent store: one that cannot be reached now may answer in a moment
        const failed = (err: unknown) => requeueLater(delivery, 'amqp-in.errors.delivery', errorMessage(err));
        try {
          onDelivery(delivery)?.catch(failed);
        } catch (err) {
          failed(err);
        }
      });
      status.consuming(queue);
    };
    const stopTrying = broker.whenConnected(this, consume, (err) => {
      // retried when the bus connects; until then the status says why nothing is consumed
      consumeError = errorMessage(err);
      warnConsumeFailed(RED, this, queue, err, config.topology);
    });

    // once every node of the deployment exists: name those that cannot report completion
    const namesDoneLess = () => {
      const found = doneLessDownstream(RED, this);
      if (found.length > 0) this.warn(RED._('amqp-in.warnings.done-less', { nodes: found.join(', ') }));
    };
    RED.events.once('flows:started', namesDoneLess);

    // Drain on redeploy: the consumer is cancelled first, then the messages already in the flow are
    // settled (up to drainMs) on the channel that can still ack them, and only then it closes. Only
    // then this node leaves the broker and the store, which wait for it.
    this.on('close', (_removed: boolean, done: () => void) => {
      closing = true;
      RED.events.off('flows:started', namesDoneLess);
      requeuePaused();
      hubRuntime.health.remove(this.id);
      stopTrying()
        .then(() => subscription?.cancel())
        .catch((err: unknown) => this.warn(errorMessage(err)))
        .then(() => broker.deregister(this))
        .finally(() => {
          storeNode?.deregister(this);
          done();
        });
    });
  }

  RED.nodes.registerType('amqp-in', AmqpIn);
}
