import type { Node, NodeDef } from 'node-red';
import { busEventPublisher, type EventPublisher } from '../../app/api/events-api';
import { DEFAULT_EXCHANGE } from '../../connectors/amqp/bus';
import type { AmqpBrokerNode } from '../amqp-broker/amqp-broker';
import type { RED } from '../shared/red';

/** stands in for a client node on the broker, so the broker connects and shows no status for it */
const API_CLIENT = { id: 'crm-hub-events-api', status: () => undefined } as unknown as Node;

const publishers = new WeakMap<AmqpBrokerNode, EventPublisher>();

/**
 * The publisher POST /api/v1/events uses: on the broker the deployed flows publish canonical events
 * with (the first amqp-out on crm.events, as the ReportInteraction path does), else the first
 * amqp-broker deployed. Looked up per request, so a redeploy's new broker is used at once; undefined
 * while no broker is deployed.
 */
export function deployedEventPublisher(RED: RED): EventPublisher | undefined {
  let viaOut: string | undefined;
  let anyBroker: string | undefined;
  RED.nodes.eachNode((def: NodeDef & { broker?: string; exchange?: string }) => {
    if (
      def.type === 'amqp-out' &&
      !viaOut &&
      def.broker &&
      (def.exchange || DEFAULT_EXCHANGE) === DEFAULT_EXCHANGE
    )
      viaOut = def.broker;
    if (def.type === 'amqp-broker' && !anyBroker) anyBroker = def.id;
  });
  const brokerId = viaOut ?? anyBroker;
  const broker = brokerId ? (RED.nodes.getNode(brokerId) as AmqpBrokerNode | null) : null;
  if (!broker?.bus) return undefined;
  let publisher = publishers.get(broker);
  if (!publisher) {
    const onBus = busEventPublisher(broker.bus, DEFAULT_EXCHANGE);
    let connected: Promise<void> | undefined;
    // register connects the broker's bus when no flow node has yet; a failed attempt is tried again
    const connect = () =>
      (connected ??= broker.register(API_CLIENT).catch((err: unknown) => {
        connected = undefined;
        throw err;
      }));
    publisher = {
      publish: async (event, options) => {
        await connect();
        await onBus.publish(event, options);
      },
    };
    publishers.set(broker, publisher);
  }
  return publisher;
}
