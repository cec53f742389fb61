import type { Customer, DataQuality, ProcessState } from '../../mappings/canonical/types';
import { isGoldenId } from '../../records/cross-reference';
import { customer360, type Customer360 } from '../../records/customer-view';
import type { StoredGolden } from '../../records/golden-store';
import { compareText, sourceRef, type SourceKey } from '../../records/source-versions';
import type { HubStore } from '../../records/store';
import type { AttributeLineage } from '../../records/survivorship';
import { ApiError } from './api-error';

/** `GET /customers/{id}`: the customer 360 with the golden record next to it, when there is one. */
export interface CustomerAnswer extends Customer360 {
  goldenId?: string;
  /** the cross-reference: every source record the golden record holds */
  members?: SourceKey[];
  /** the same as "<system>:<source id>" */
  xrefs?: string[];
  /** the golden document */
  document?: Customer;
  lineage?: Record<string, AttributeLineage>;
  dataQuality?: DataQuality;
  revision?: number;
  /**
   * The customer's open processes (an application to resume, an escalation case) under every source
   * record the golden record holds, last updated first: what an agent continues at contact time
   */
  openProcesses: ProcessState[];
}

/** a customer as the REST API names it by a source record: <system>:<source id> */
export const CUSTOMER_REF = /^[a-z0-9-]+:[^\s/]{1,64}$/;
const INTERACTIONS = 10;

/** A golden id ("g-…") or "<system>:<source id>"; a 400 for anything else. */
export function customerIdParam(id: string): string {
  if (isGoldenId(id) || CUSTOMER_REF.test(id)) return id;
  throw new ApiError(
    400,
    'invalid-customer-id',
    `customer id '${id}' is neither a golden id (g-…) nor of the form <system>:<id>`,
    'id',
  );
}

/**
 * The golden record of a golden id or source ref. SAP pads its customer numbers with zeros
 * (KUNNR 0000100001) and the hub keys them without, so a numeric id is also tried without them.
 */
async function goldenOf(store: HubStore, id: string): Promise<StoredGolden | undefined> {
  const found = await store.getGolden(id);
  if (found || isGoldenId(id)) return found;
  const unpadded = id.replace(/:0+(\d+)$/, ':$1');
  return unpadded === id ? undefined : store.getGolden(unpadded);
}

export async function customerAnswer(store: HubStore, id: string): Promise<CustomerAnswer> {
  const golden = await goldenOf(store, id);
  const view = isGoldenId(id)
    ? await membersView(store, id, golden?.members ?? [])
    : await customer360(store, id, INTERACTIONS);
  const refs = golden ? golden.members.map(sourceRef) : isGoldenId(id) ? [] : [id];
  const openProcesses = await openProcessesOf(store, refs);
  if (
    !golden &&
    !view.customer &&
    view.offers.length === 0 &&
    view.lastInteractions.length === 0 &&
    openProcesses.length === 0
  ) {
    throw new ApiError(404, 'unknown-customer', `the hub knows nothing about customer ${id}`, 'id');
  }
  if (!golden) return { ...view, openProcesses };
  const { document, lineage } = golden.record;
  return {
    ...view,
    goldenId: golden.goldenId,
    members: golden.members,
    xrefs: golden.members.map(sourceRef),
    document,
    lineage,
    ...(document.dataQuality ? { dataQuality: document.dataQuality } : {}),
    revision: golden.revision,
    openProcesses,
  };
}

/** The open processes of every ref, last updated first, ties by processId (as listProcesses orders). */
async function openProcessesOf(store: HubStore, refs: string[]): Promise<ProcessState[]> {
  const lists = await Promise.all(refs.map((ref) => store.listProcesses(ref, { status: 'open' })));
  return lists
    .flat()
    .map((stored) => stored.process)
    .sort((a, b) => compareText(b.updatedAt, a.updatedAt) || compareText(a.processId, b.processId));
}

/** Offers and interactions of every member, for a customer asked for by golden id. */
async function membersView(store: HubStore, goldenId: string, members: SourceKey[]): Promise<Customer360> {
  const views = await Promise.all(members.map((m) => customer360(store, sourceRef(m), INTERACTIONS)));
  const lastInteractions = views
    .flatMap((v) => v.lastInteractions)
    .sort((a, b) => compareText(b.occurredAt, a.occurredAt) || compareText(a.eventId, b.eventId))
    .slice(0, INTERACTIONS);
  return { customerRef: goldenId, offers: views.flatMap((v) => v.offers), lastInteractions };
}
