import { eventProblems } from '../mappings/canonical/event-check';
import { withCanonicalKeys } from '../mappings/canonical/event-id';
import type { InteractionEvent } from '../mappings/canonical/types';
import { contentDigest } from './content-hash';
import type { HubStore } from './store';

/**
 * An event id names one event, on the bus as over REST (POST /api/v1/events answers 409). The same
 * event again is a redelivery, which the idempotent consumers skip; the id with other content is
 * another event that took a used id. Skipping it would drop it silently, applying it would overwrite
 * what the first event did under the same id, so its consumers refuse it and amqp-in dead-letters it
 * with this error's message as the reason.
 */
export class EventIdReusedError extends Error {
  /** msg.error.code for a Catch node, and the first word of the dead letter's reason */
  readonly kind = 'event-id-reused';

  constructor(readonly eventId: string) {
    super(
      `event-id-reused: eventId ${eventId} was taken before by an event with other content; an event id names one event, so this one is not applied: give it its own id`,
    );
    this.name = 'EventIdReusedError';
  }
}

/**
 * The canonical interaction event a message carries, as the hub keys it (SAP number unpadded, id in
 * lower case), or undefined for anything else: actions, golden changes and legacy records carry ids
 * of their own kinds, and an event the schema refuses is refused as invalid-event where it is used.
 */
export function canonicalEventOf(payload: unknown): InteractionEvent | undefined {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload) || Buffer.isBuffer(payload))
    return undefined;
  if (typeof (payload as { eventId?: unknown }).eventId !== 'string') return undefined;
  return eventProblems(payload).length === 0 ? withCanonicalKeys(payload as InteractionEvent) : undefined;
}

/**
 * Claims the event's id for its content in the store's event digests, the ledger the REST API keeps:
 * the first content recorded under an id holds it (within the store's retention window), atomically
 * across hub instances. Resolves for the event that holds its id; throws EventIdReusedError for one
 * whose id another event's content holds.
 */
export async function claimEventId(
  store: Pick<HubStore, 'recordEventDigests'>,
  event: InteractionEvent,
): Promise<void> {
  const keyed = withCanonicalKeys(event);
  // the digest POST /api/v1/events records: the event as the hub keys it, canonical JSON
  const digest = contentDigest(keyed);
  const [held] = await store.recordEventDigests([{ eventId: keyed.eventId, digest }]);
  if (held !== digest) throw new EventIdReusedError(keyed.eventId);
}

/**
 * For a consumer off the bus (amqp-in's screen): the reason to dead-letter a payload that is a
 * canonical event whose id another event's content holds, undefined for every other payload. A store
 * that cannot answer rejects, and the message goes back to the queue.
 */
export function reusedEventIdScreen(
  store: () => PromiseLike<Pick<HubStore, 'recordEventDigests'>>,
): (payload: unknown) => Promise<string | undefined> {
  return async (payload) => {
    const event = canonicalEventOf(payload);
    if (!event) return undefined;
    try {
      await claimEventId(await store(), event);
      return undefined;
    } catch (err) {
      if (err instanceof EventIdReusedError) return err.message;
      throw err;
    }
  };
}
