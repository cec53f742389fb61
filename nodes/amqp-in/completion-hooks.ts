import { isBusError } from '../../connectors/amqp/bus-error';
import { CompletionTracker } from '../../connectors/amqp/completion-tracker';
import { HeldReceipts } from '../../connectors/amqp/held-receipts';
import { isStoreUnavailable } from '../../records/store-unavailable';
import { errorMessage, type RED } from '../shared/red';
import { DisabledNodes } from './disabled-nodes';

/** how long a node that cannot report completion may take to send a message on (see HeldReceipts) */
export const DEFAULT_DONE_LESS_GRACE_MS = 1000;

/** the listener of the last module load, replaced (not stacked) by the next one */
let forgetDisabled: (() => void) | undefined;
/** the tracker of the last module load, for nodes that ask how a message they handled ended */
let current: CompletionTracker | undefined;
const CONFIG_CHANGES = ['flows:stopping', 'flows:started'] as const;

/**
 * One tracker for the process: Node-RED's onSend and onComplete hooks see every node's messages, so
 * amqp-in learns when the whole flow is done with a message it sent (at least once, not ack-on-send).
 * A node whose input handler takes no `done` never completes; its receipt is held until it sends the
 * message on or, having sent nothing within the grace, dropped it (connectors/amqp/held-receipts.ts).
 */
export function completionTracker(RED: RED): CompletionTracker {
  const tracker = new CompletionTracker();
  current = tracker;
  const held = new HeldReceipts((id) => tracker.completed(id), doneLessGraceMs(RED));
  // A reload of the module (tests, a restarted runtime) must replace the hooks, not stack them.
  RED.hooks.remove('*.crm-hub-amqp-in');
  // A full stop or a redeploy stops every node at once: what a node still sends then, or what was on
  // its way, reaches a node that is stopped, and Node-RED drops it without a done. Such a message
  // can never complete; its amqp-in must not wait for it (it waited up to its drain bound, 14 s).
  const stopped = (id: string, node: string) =>
    tracker.dropped(id, RED._('amqp-in.errors.dropped', { node }));
  const disabled = new DisabledNodes((visit) => RED.nodes.eachNode(visit));
  const forget = () => disabled.forget();
  for (const name of CONFIG_CHANGES) {
    if (forgetDisabled) RED.events.off(name, forgetDisabled);
    RED.events.on(name, forget);
  }
  forgetDisabled = forget;
  const arriving = (id: string | undefined, destination: string) => {
    if (!id || !tracker.has(id) || RED.nodes.getNode(destination)) return;
    // never started, by design (the wires to it stay): that copy is done, as one a filter dropped
    if (disabled.has(destination)) {
      // counted as delivered too, so a later direct hand-over (link call) is not taken for this copy
      tracker.received(id);
      tracker.completed(id);
    } else stopped(id, destination);
  };
  RED.hooks.add('onSend.crm-hub-amqp-in', (events) => {
    for (const event of events) if (event.msg._msgid) tracker.sent(event.msg._msgid, 1);
    // the onward copies are counted above, before the holding node's receipt is released
    const source = events[0]?.source;
    if (source && cannotComplete(source.node)) {
      const ids = new Set<string>();
      for (const event of events) if (event.msg._msgid) ids.add(event.msg._msgid);
      for (const id of ids) held.sent(source.id, id);
    }
    // Node-RED routes each copy right after this hook, in the same turn, and drops one whose
    // destination is gone: looked at here, not in a preRoute hook, which cost a hook call per copy
    for (const event of events) arriving(event.msg._msgid, event.destination.id);
  });
  RED.hooks.add('onComplete.crm-hub-amqp-in', (event) => {
    if (event.msg._msgid)
      tracker.completed(
        event.msg._msgid,
        event.error ? errorMessage(event.error) : undefined,
        isPassingFailure(event.error),
      );
  });
  // one hook per name and event: Node-RED refuses a second 'onReceive.crm-hub-amqp-in'
  RED.hooks.add('onReceive.crm-hub-amqp-in', (event) => {
    const id = event.msg._msgid;
    if (!id || !tracker.has(id)) return;
    // link call, link out and Catch hand a message to a node with receive(), which no onSend reports
    tracker.received(id);
    // routed before the stop, delivered after it: a stopped node may no longer have an input handler
    if (RED.nodes.getNode(event.destination.id) !== event.destination.node) stopped(id, event.destination.id);
    else if (cannotComplete(event.destination.node)) held.hold(event.destination.id, id);
  });
  return tracker;
}

/**
 * How the amqp-in delivery a message came from ends: true once it is acked (the whole flow completed
 * without error, so whatever publish downstream was confirmed), false once it is settled any other
 * way. Undefined when no amqp-in waits for the flow to complete this message (another source, or
 * ack on receipt): then nothing will ever say that what was sent for it arrived.
 */
export function settlementOf(msgId: unknown): Promise<boolean> | undefined {
  if (typeof msgId !== 'string' || !current?.has(msgId)) return undefined;
  const tracker = current;
  return new Promise((resolve) => tracker.whenSettled(msgId, resolve));
}

/**
 * Node-RED counts a node's input handlers that take `done` (Node.prototype.on: `callback.length`);
 * with none, the runtime never calls onComplete for what the node received.
 */
export function cannotComplete(node: unknown): boolean {
  const count = (node as { _expectedDoneCount?: unknown } | undefined)?._expectedDoneCount;
  return count === 0;
}

function doneLessGraceMs(RED: RED): number {
  const setting = (RED.settings as unknown as { crmHub?: { doneLessGraceMs?: unknown } }).crmHub
    ?.doneLessGraceMs;
  const ms = Number(setting);
  return setting !== undefined && Number.isFinite(ms) && ms > 0 ? ms : DEFAULT_DONE_LESS_GRACE_MS;
}

/**
 * The bus went away while the flow ran (a broker restart, a lost connection, a redeploy closing the
 * bus, a memory or disk alarm blocking it): the message is fine and must come again, not go to the
 * dead-letter queue as if it were poison. A nacked or unroutable publish, or a refusal, says
 * something about the message or the topology.
 */
export function isTransientBusFailure(error: unknown): boolean {
  return (
    isBusError(error, 'outcome-unknown') ||
    isBusError(error, 'not-connected') ||
    isBusError(error, 'closed') ||
    isBusError(error, 'blocked')
  );
}

/**
 * The bus or the store was away while the flow ran: either way the message is fine and comes again.
 * A store that cannot be reached for a few seconds (a PostgreSQL restart, a failover) must not send
 * every message in flight to the dead-letter queue. A refused or reset connection is judged by its
 * code, so one to another service the flow called counts too; it is as passing, and the queue's
 * delivery limit still ends the retries.
 */
export function isPassingFailure(error: unknown): boolean {
  return isTransientBusFailure(error) || isStoreUnavailable(error);
}
