import os from 'node:os';
import type { Node, NodeDef, NodeMessage } from 'node-red';
import { withCanonicalKeys } from '../../mappings/canonical/event-id';
import { describeProblems, eventProblems, InvalidEventError } from '../../mappings/canonical/event-check';
import type { InteractionEvent } from '../../mappings/canonical/types';
import { checkArbitrationOptions, type ArbitrationOptions } from '../../policies/arbitration';
import type { PolicyState } from '../../policies/policy-state';
import { customerProfile } from '../../policies/profile';
import { claimEventId } from '../../records/event-id-claim';
import type { HubStoreNode } from '../hub-store/hub-store';
import { hubRuntime } from '../shared/hub-runtime';
import { onInput } from '../shared/input';
import { migrate } from '../shared/migrate';
import { ensureHubRoutes } from '../shared/mount';
import { errorMessage, statusWords, type RED } from '../shared/red';
import { migrations } from './migrations';

export interface PolicyEngineDef extends NodeDef {
  /** optional: the hub store that keeps history, caps and waits, and where `if` reads the customer */
  store?: string;
  /** how often waits that are due ("no B within T") are fired, in seconds; with a store only */
  sweepSeconds: string;
  /** "priority" or "score": what ranks first when several cards fire for one customer */
  arbitrateBy: string;
  /** winning cards per outbound channel and event; "0" = no limit (every card that fires goes out) */
  winnersPerChannel: string;
}

type EventMessage = NodeMessage & { customer?: Record<string, unknown> };

const DEFAULT_SWEEP_SECONDS = 30;

export function sweepIntervalMs(sweepSeconds: string | undefined): number {
  const seconds = Number(sweepSeconds);
  return (Number.isFinite(seconds) && seconds > 0 ? seconds : DEFAULT_SWEEP_SECONDS) * 1000;
}

/** The node's default: one card per channel wins, by priority. */
export const NODE_ARBITRATION = { by: 'priority', perChannel: 1 } as const;

/** The arbitration of the config; throws ArbitrationOptionsError naming the field that is wrong. */
export function arbitrationOptions(config: Partial<PolicyEngineDef>): ArbitrationOptions {
  const winners = String(config.winnersPerChannel ?? '').trim();
  return checkArbitrationOptions({
    by: config.arbitrateBy || NODE_ARBITRATION.by,
    // an empty field is the default, not Number('') = 0 ("no limit"); other text is refused as it is
    perChannel:
      winners === '' ? NODE_ARBITRATION.perChannel : /^\d+$/.test(winners) ? Number(winners) : winners,
  });
}

/**
 * One evaluator for all policies of a flow: the policy nodes register their cards here, and each
 * decision leaves through the output of the policy node that holds the card. With a hub store, the
 * history, caps and waits live in the store, and a timer fires the waits that are due.
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
    let closed = false;
    let state: PolicyState | undefined;
    let sweeping = false;
    // learned propensities come from the response ledger's counts per card and segment
    const propensity = hubRuntime.responseLedger;
    try {
      hubRuntime.policies.configure(this.id, { arbitration: arbitrationOptions(config), propensity });
    } catch (err) {
      hubRuntime.policies.configure(this.id, { arbitration: NODE_ARBITRATION, propensity });
      this.status({ fill: 'yellow', shape: 'ring', text: RED._('policy-engine.status.bad-arbitration') });
      this.error(RED._('policy-engine.errors.bad-arbitration', { error: errorMessage(err) }));
    }
    // a store that is configured but not deployed: history, caps and waits stay in memory
    if (config.store && !storeNode)
      this.status({ fill: 'red', shape: 'ring', text: RED._('policy-engine.status.no-store') });

    const bound = storeNode?.ready.then((hubStore) => {
      if (closed) return;
      state = hubRuntime.policies.bind(this.id, {
        store: hubStore,
        instanceId: `${os.hostname()}:${process.pid}:${this.id}`,
      });
    });
    // a store closed before it opened rejects: each message and sweep awaits bound and fails with it
    bound?.catch(() => undefined);
    const customerOf = (ref: string) =>
      customerProfile({ customer: { ref, identifiers: [] } }, undefined, store);
    const sweep = async () => {
      if (sweeping || closed) return;
      sweeping = true;
      try {
        await bound;
        const { failed } = await hubRuntime.policies.sweep(this.id, {
          customerOf,
          // the event that started the wait names the customer, and the profile gives the segment
          observe: (evaluation, event, customer) =>
            hubRuntime.policyRegistry.observe(this.id, event, evaluation, customer),
        });
        for (const { waitId, error } of failed) {
          this.warn(RED._('policy-engine.errors.sweep-failed', { wait: waitId, error: errorMessage(error) }));
        }
      } catch (err) {
        this.warn(RED._('policy-engine.errors.sweep-failed', { wait: '-', error: errorMessage(err) }));
      } finally {
        sweeping = false;
      }
    };
    const timer = storeNode
      ? setInterval(() => void sweep(), sweepIntervalMs(config.sweepSeconds))
      : undefined;
    timer?.unref();

    onInput<EventMessage>(this, async (msg, send) => {
      const payload = msg.payload as InteractionEvent | null;
      if (!payload || typeof payload !== 'object' || typeof payload.type !== 'string') {
        throw new Error(RED._('policy-engine.errors.not-an-event'));
      }
      // an event published straight to crm.events gets the check REST gives it: a malformed amount
      // must not fire a card (or silently fire none); the failed msg is amqp-in's dead letter
      const problems = eventProblems(payload);
      if (problems.length > 0) {
        const reason = describeProblems(problems);
        throw new InvalidEventError(
          RED._('policy-engine.errors.invalid-event', { reason }),
          problems[0].field,
        );
      }
      // SAP's number as SAP shows it (sap:0000104711) is the customer the hub keys as sap:104711, and an
      // eventId in capitals the UUID its history and caps hold in lower case
      const event = withCanonicalKeys(payload);
      await bound;
      // an id another event's content holds fails (event-id-reused), so amqp-in dead-letters it
      if (storeNode) await claimEventId(await storeNode.ready, event);
      const customer = await customerProfile(event, msg.customer, store);
      const result = await hubRuntime.policies.evaluate(this.id, event, customer, msg);
      // the profile the engine judged gives the ledger the customer's segment without a store read
      hubRuntime.policyRegistry.observe(this.id, event, result, customer);
      events += 1;
      decisions += result.decisions.length;
      this.status({
        fill: 'green',
        shape: 'dot',
        text: words('policy-engine.status.evaluated', { events, decisions }),
      });
      const { decisions: made, explanations, arbitration } = result;
      send({
        ...msg,
        payload: event,
        decisions: made,
        explanations,
        ...(arbitration ? { arbitration } : {}),
      } as NodeMessage);
    });

    this.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      clearInterval(timer);
      if (state) hubRuntime.policies.unbind(this.id, state);
      done();
    });
  }

  RED.nodes.registerType('policy-engine', PolicyEngineNode);
}
