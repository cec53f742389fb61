import type { Node, NodeDef, NodeMessage } from 'node-red';
import type { InteractionEvent } from '../../mappings/canonical/types';
import { customerProfile } from '../../policies/profile';
import type { HubStoreNode } from '../hub-store/hub-store';
import { hubRuntime } from '../shared/hub-runtime';
import { onInput } from '../shared/input';
import { migrate } from '../shared/migrate';
import { ensureHubRoutes } from '../shared/mount';
import { statusWords, type RED } from '../shared/red';
import { migrations } from './migrations';

export interface PolicyEngineDef extends NodeDef {
  /** optional: where `if` conditions read the customer when the message carries none */
  store?: string;
}

type EventMessage = NodeMessage & { customer?: Record<string, unknown> };

/**
 * One evaluator for all policies of a flow: the policy nodes register their cards here, and each
 * decision leaves through the output of the policy node that holds the card.
 */
export default function (RED: RED) {
  ensureHubRoutes(RED);
  const words = statusWords(RED);

  function PolicyEngineNode(this: Node, saved: PolicyEngineDef) {
    RED.nodes.createNode(this, saved);
    const config = migrate<PolicyEngineDef>(saved, migrations);
    const storeNode = config.store ? (RED.nodes.getNode(config.store) as HubStoreNode | null) : null;
    const store = storeNode ? () => storeNode.ready : undefined;
    let events = 0;
    let decisions = 0;

    onInput<EventMessage>(this, async (msg, send) => {
      const event = msg.payload as InteractionEvent | null;
      if (!event || typeof event !== 'object' || typeof event.type !== 'string') {
        throw new Error(RED._('policy-engine.errors.not-an-event'));
      }
      const customer = await customerProfile(event, msg.customer, store);
      const result = hubRuntime.policies.evaluate(this.id, event, customer, msg);
      events += 1;
      decisions += result.decisions.length;
      this.status({
        fill: 'green',
        shape: 'dot',
        text: words('policy-engine.status.evaluated', { events, decisions }),
      });
      send({ ...msg, decisions: result.decisions, explanations: result.explanations } as NodeMessage);
    });
  }

  RED.nodes.registerType('policy-engine', PolicyEngineNode);
}
