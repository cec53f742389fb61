import type { Node, NodeDef, NodeMessage } from 'node-red';
import type { InteractionEvent } from '../../mappings/canonical/types';
import type { HubStoreNode } from '../hub-store/hub-store';
import { hubRuntime } from '../shared/hub-runtime';
import { ensureHubRoutes } from '../shared/mount';
import { errorMessage, type Done, type RED, type Send } from '../shared/red';

type EventMessage = NodeMessage & { customer?: Record<string, unknown> };

/**
 * One evaluator for all policies of a flow: the policy nodes register their cards here, and each
 * decision leaves through the output of the policy node that holds the card.
 */
export default function (RED: RED) {
  ensureHubRoutes(RED);

  function PolicyEngineNode(this: Node, config: NodeDef & { store?: string }) {
    RED.nodes.createNode(this, config);
    // With a store, `if` conditions see the customer's current record when the msg carries none.
    const storeNode = config.store ? (RED.nodes.getNode(config.store) as HubStoreNode | null) : null;
    const engine = hubRuntime.policies.engine(this.id);
    let events = 0;
    let decided = 0;

    const profileOf = async (event: InteractionEvent, msg: EventMessage) => {
      const ref = event.customer?.ref;
      if (msg.customer || !storeNode || !ref) return msg.customer;
      const stored = await (await storeNode.ready).getCustomer(ref);
      return stored?.document;
    };

    this.on('input', (msg: EventMessage, send: Send, done: Done) => {
      void (async () => {
        try {
          const event = msg.payload as Record<string, unknown>;
          if (!event || typeof event !== 'object' || typeof event.type !== 'string') {
            throw new Error(RED._('policy-engine.errors.not-an-event'));
          }
          const customer = await profileOf(event as unknown as InteractionEvent, msg);
          const result = engine.evaluate(event as unknown as InteractionEvent, {
            customer,
            isEnabled: (policyId: string) => hubRuntime.policies.isEnabled(policyId),
          });
          events += 1;
          decided += result.decisions.length;
          for (const decision of result.decisions)
            hubRuntime.policies.owner(decision.policyId)?.emit(decision, msg);
          this.status({ fill: 'green', shape: 'dot', text: `${events} events, ${decided} decisions` });
          send({ ...msg, decisions: result.decisions, explanations: result.explanations } as NodeMessage);
          done();
        } catch (err) {
          done(new Error(errorMessage(err)));
        }
      })();
    });
  }

  RED.nodes.registerType('policy-engine', PolicyEngineNode);
}
