import type { Node, NodeDef, NodeMessage } from 'node-red';
import { DEFAULT_EXCHANGE, type Delivery, type Subscription } from '../../connectors/amqp/bus';
import { CompletionTracker } from '../../connectors/amqp/completion-tracker';
import { decodeBody, parseBindings } from '../../connectors/amqp/consume-config';
import type { AmqpBrokerNode } from '../amqp-broker/amqp-broker';
import type { HubStoreNode } from '../hub-store/hub-store';
import { ensureHubRoutes } from '../shared/mount';
import { errorMessage, type RED } from '../shared/red';

export interface AmqpInDef extends NodeDef {
  broker: string;
  queue: string;
  /** one binding per line: `<pattern>` on the default exchange, or `<exchange> <pattern>` */
  bindings: string;
  prefetch: string;
  /** "flow": ack once every node that handled the message called done; "receipt": ack at once */
  ack: 'flow' | 'receipt';
  timeout: string;
  /** optional hub-store: skip deliveries whose messageId was already processed (idempotent consumer) */
  store: string;
  singleActive: boolean;
}

export default function (RED: RED) {
  ensureHubRoutes(RED);
  // One tracker for the process: the onSend/onComplete hooks see every node's messages.
  const tracker = new CompletionTracker();
  // A reload of the module (tests, a restarted runtime) must replace the hooks, not stack them.
  RED.hooks.remove('*.crm-hub-amqp-in');
  RED.hooks.add('onSend.crm-hub-amqp-in', (events) => {
    for (const event of events) if (event.msg._msgid) tracker.sent(event.msg._msgid, 1);
  });
  RED.hooks.add('onComplete.crm-hub-amqp-in', (event) => {
    if (event.msg._msgid)
      tracker.completed(event.msg._msgid, event.error ? errorMessage(event.error) : undefined);
  });

  function AmqpIn(this: Node, config: AmqpInDef) {
    RED.nodes.createNode(this, config);
    const broker = RED.nodes.getNode(config.broker) as AmqpBrokerNode | null;
    if (!broker) {
      this.status({ fill: 'red', shape: 'ring', text: RED._('amqp-in.status.no-broker') });
      this.error(RED._('amqp-in.errors.no-broker'));
      return;
    }
    const storeNode = config.store ? (RED.nodes.getNode(config.store) as HubStoreNode | null) : null;
    const queue = (config.queue || '').trim();
    const timeoutMs = Number(config.timeout) || 60000;
    let subscription: Subscription | undefined;
    let closing = false;

    const settleLater = (delivery: Delivery, msgId: string) => {
      tracker.track(
        msgId,
        {
          ack: () => {
            void (async () => {
              try {
                if (storeNode && delivery.messageId) {
                  await (await storeNode.ready).markProcessed(queue, delivery.messageId);
                }
                delivery.ack();
              } catch (err) {
                this.warn(RED._('amqp-in.errors.ledger', { error: errorMessage(err) }));
                delivery.requeue();
              }
            })();
          },
          fail: (reason: string) => {
            delivery.deadLetter(reason).catch((err: unknown) => {
              this.warn(RED._('amqp-in.errors.dead-letter', { error: errorMessage(err) }));
              delivery.requeue();
            });
          },
        },
        timeoutMs,
      );
    };

    const onDelivery = async (delivery: Delivery) => {
      if (closing) return delivery.requeue();
      if (storeNode && delivery.messageId) {
        const store = await storeNode.ready;
        if (await store.wasProcessed(queue, delivery.messageId)) {
          delivery.ack();
          return;
        }
      }
      const decoded = decodeBody(delivery);
      if (!decoded.ok) {
        await delivery.deadLetter(decoded.reason);
        this.warn(RED._('amqp-in.errors.undecodable', { reason: decoded.reason }));
        return;
      }
      const msgId = RED.util.generateId();
      const msg: NodeMessage & Record<string, unknown> = {
        _msgid: msgId,
        topic: delivery.routingKey,
        payload: decoded.value,
        amqp: {
          exchange: delivery.exchange,
          routingKey: delivery.routingKey,
          messageId: delivery.messageId,
          headers: delivery.headers,
          redelivered: delivery.redelivered,
          queue,
        },
      };
      if (config.ack === 'receipt') {
        delivery.ack();
        this.send(msg);
        return;
      }
      settleLater(delivery, msgId);
      this.send(msg);
      // Nothing wired: no onSend event will come, so the message is handled already.
      tracker.settleIfIdle(msgId);
    };

    const stopTrying = broker.whenConnected(
      this,
      async () => {
        const bindings = parseBindings(config.bindings, DEFAULT_EXCHANGE);
        // The bus binds only to exchanges that exist; declaring ours is idempotent.
        for (const exchange of new Set(bindings.map((b) => b.exchange)))
          await broker.bus.declareExchange(exchange);
        subscription = await broker.bus.consume(
          {
            queue,
            bindings,
            prefetch: Number(config.prefetch) || 10,
            singleActiveConsumer: !!config.singleActive,
          },
          (delivery) => {
            onDelivery(delivery).catch((err: unknown) => {
              this.error(RED._('amqp-in.errors.delivery', { error: errorMessage(err) }));
              delivery.requeue();
            });
          },
        );
      },
      (err) => {
        // retried when the bus connects; until then the status says why nothing is consumed
        this.status({ fill: 'red', shape: 'ring', text: errorMessage(err) });
        this.warn(RED._('amqp-in.errors.consume', { queue, error: errorMessage(err) }));
      },
    );

    this.on('close', (_removed: boolean, done: () => void) => {
      closing = true;
      stopTrying();
      Promise.resolve(subscription?.cancel())
        .catch(() => undefined)
        .then(() => broker.deregister(this))
        .finally(() => done());
    });
  }

  RED.nodes.registerType('amqp-in', AmqpIn);
}
