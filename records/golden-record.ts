import type { Customer, InteractionEvent, ProcessState } from '../mappings/canonical/types';
import { isProcessState, reportProcess, type ReportOutcome } from './process-drafts';
import type { CustomerWriteResult, HubStore, StoredCustomer } from './store';

/**
 * The first cut of the golden record: canonical customers are kept per customerRef, newest updatedAt
 * wins, and interaction events go into the customer's history (once per eventId). Matching records of
 * different systems to one customer, merging and per-attribute survivorship build on this. A process
 * state a channel reported (an application started in the app) is stored for the customer 360 and
 * to resume elsewhere (process-drafts.ts).
 */
export type GoldenRecordResult =
  | { kind: 'customer'; customerRef: string; write: CustomerWriteResult }
  | { kind: 'interaction'; customerRef: string; eventId: string; recorded: boolean }
  | { kind: 'process'; customerRef: string; processId: string; outcome: ReportOutcome };

/** What arrives on the bus: the canonical shapes, of which a legacy source may leave fields out. */
type Arriving<T> = { [K in keyof T]?: T[K] | null };

export async function applyToGoldenRecord(store: HubStore, doc: unknown): Promise<GoldenRecordResult> {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new Error(
      'golden record: msg.payload must be a canonical customer, interaction event or process state',
    );
  }
  // before the customer: a process state has a customerRef and a kind too
  if (isProcessState(doc)) {
    const process = doc as ProcessState;
    const outcome = await reportProcess(store, doc);
    return { kind: 'process', customerRef: process.customerRef, processId: process.processId, outcome };
  }
  const customer = doc as Arriving<Customer>;
  if (typeof customer.customerRef === 'string' && typeof customer.kind === 'string') {
    const write = await store.putCustomer(customerRowOf(customer.customerRef, customer));
    return { kind: 'customer', customerRef: customer.customerRef, write };
  }
  const event = doc as Arriving<InteractionEvent>;
  if (typeof event.eventId === 'string' && typeof event.type === 'string') {
    const customerRef = String(event.customer?.ref ?? '');
    const recorded = await store.recordInteraction({
      customerRef,
      eventId: event.eventId,
      type: event.type,
      channel: String(event.channel ?? ''),
      occurredAt: String(event.occurredAt ?? ''),
      ...(event.amount ? { summary: { amount: event.amount } } : {}),
    });
    return { kind: 'interaction', customerRef, eventId: event.eventId, recorded };
  }
  throw new Error(
    'golden record: msg.payload is neither a canonical customer (customerRef, kind), an event (eventId, type) nor a process state (processId, status)',
  );
}

/** What the store keeps per customerRef of a canonical customer (putCustomer). */
export function customerRowOf(customerRef: string, customer: Arriving<Customer>): StoredCustomer {
  return {
    customerRef,
    document: customer as Record<string, unknown>,
    updatedAt: String(customer.updatedAt ?? ''),
    sourceSystem: String(customer.source?.system ?? ''),
  };
}
