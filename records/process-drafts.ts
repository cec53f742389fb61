/**
 * Process state: a draft or an application a customer saved on one channel (a mortgage application
 * half filled in on the web), stored at once so the service center sees it in the customer 360 and
 * the customer can go on with it on another channel.
 *
 * Two ways in:
 * - a channel saves it (REST `PUT /customers/{id}/processes/{processId}`, saveProcess). Each save
 *   names the revision it read (HTTP If-Match); a save that names an older one is refused with the
 *   stored state, so of two channels working on one application neither overwrites the other
 *   without having seen it. The first save needs none.
 * - an event reports it (the apps' `application_started`, mapped to a process-state document, through
 *   the golden-record node; reportProcess). Events carry no revision: the newest `updatedAt` wins, and
 *   an older report changes nothing.
 *
 * A process that is completed or abandoned is closed: no save or report changes it any more (a channel
 * that read it at an older revision learns so from the 412's state; one that saves it anyway gets a
 * refusal naming the status), so a stale tab cannot reopen an application the bank completed.
 *
 * Who started it, where and when stays as first stored; a process stays its customer's. Any member of
 * the same golden record may save it (the call center under crm:4711 resumes what the web started
 * under web:77 once the two are one customer).
 */
import type { ProcessState } from '../mappings/canonical/types';
import { compileValidator, type FieldError } from '../mappings/validate';
import type { GoldenStore } from './golden-store';
import { canonicalJson } from './content-hash';
import type { ProcessStore, StoredProcess } from './store';
import { requireInstant } from './store-input';

export type ProcessDraftStore = ProcessStore & Pick<GoldenStore, 'resolveGoldenId'>;

/** What a channel sends: the state as it stands now. The hub sets ids, who and when. */
export interface ProcessSave {
  kind: string;
  /** the channel saving it now */
  lastChannel: string;
  step: string;
  data: Record<string, unknown>;
  status?: ProcessState['status'];
  expiresAt?: string;
  /** only on the first save; the channel saving it then by default */
  startedOn?: string;
}

export type SaveOutcome =
  | { outcome: 'created' | 'updated'; stored: StoredProcess }
  /** not a valid process state; nothing stored */
  | { outcome: 'invalid'; errors: FieldError[] }
  /** stored already, and the save named no revision: read it first */
  | { outcome: 'revision-required'; current: StoredProcess }
  /** another save came first: the state now, to decide on again */
  | { outcome: 'conflict'; current: StoredProcess }
  /** stored under a customer that is not this one (nor one golden record with it) */
  | { outcome: 'other-customer' }
  /** the kind of a stored process cannot change */
  | { outcome: 'kind-differs'; current: StoredProcess }
  /** a save naming a revision of a process that is not stored (the first save names none) */
  | { outcome: 'not-stored' }
  /** completed or abandoned: it changes no more */
  | { outcome: 'closed'; current: StoredProcess }
  /** closed, and the save would change nothing (a retry of the save that closed it): nothing stored */
  | { outcome: 'unchanged'; current: StoredProcess };

/**
 * The revisions a save was made on (HTTP If-Match, RFC 9110): one, a list of them, or `*`, any revision
 * stored; undefined when it names none (a first save).
 */
export type RevisionMatch = number | readonly number[] | '*' | undefined;

function matches(ifMatch: Exclude<RevisionMatch, undefined>, revision: number): boolean {
  if (ifMatch === '*') return true;
  return typeof ifMatch === 'number' ? ifMatch === revision : ifMatch.includes(revision);
}

/** Whether a save states what is stored already; ids, who and when are the hub's and not compared. */
function changesNothing(save: ProcessSave, stored: ProcessState): boolean {
  const expires = (at: string | undefined) => (at === undefined ? undefined : Date.parse(at));
  return (
    save.kind === stored.kind &&
    save.lastChannel === stored.lastChannel &&
    save.step === stored.step &&
    (save.status ?? 'open') === stored.status &&
    expires(save.expiresAt) === expires(stored.expiresAt) &&
    // by value: a stored document may come back as a null-prototype object or frozen, and key order is no change
    canonicalJson(save.data) === canonicalJson(stored.data)
  );
}

/** The statuses after which a process changes no more. */
export const CLOSED_PROCESS_STATUSES: readonly ProcessState['status'][] = ['completed', 'abandoned'];

function isClosed(process: ProcessState): boolean {
  return CLOSED_PROCESS_STATUSES.includes(process.status);
}

const validate = compileValidator('process-state');
const SAVE_FIELDS = new Set(['kind', 'lastChannel', 'step', 'data', 'status', 'expiresAt', 'startedOn']);

/** The fields of a save the hub does not take (ids, times and who it belongs to are the hub's). */
export function unknownSaveFields(body: Record<string, unknown>): string[] {
  return Object.keys(body).filter((key) => !SAVE_FIELDS.has(key));
}

/** The state a save makes; the channels are as sent, so it is validated before anything is stored. */
function stateOf(
  save: ProcessSave,
  base: Pick<ProcessState, 'processId' | 'customerRef' | 'startedAt'> & { startedOn: string },
  now: string,
): ProcessState {
  return {
    schemaVersion: '1.0',
    processId: base.processId,
    customerRef: base.customerRef,
    kind: save.kind,
    startedOn: base.startedOn,
    lastChannel: save.lastChannel,
    step: save.step,
    // given but null or empty, they fail validation instead of being dropped
    status: save.status === undefined ? 'open' : save.status,
    data: save.data,
    ...(base.startedAt ? { startedAt: base.startedAt } : {}),
    updatedAt: now,
    ...(save.expiresAt === undefined ? {} : { expiresAt: save.expiresAt }),
  } as ProcessState;
}

/**
 * The schema's check, and the store's stricter one for the times it normalises (a space for the T,
 * a lowercase z): what the store would refuse is the channel's error, not the hub's.
 */
function check(state: ProcessState): FieldError[] {
  const checked = validate(state);
  if (!checked.ok) return checked.errors;
  if (state.expiresAt === undefined) return [];
  try {
    requireInstant(state.expiresAt, 'expiresAt');
    return [];
  } catch {
    return [
      {
        field: 'expiresAt',
        message: 'must be an ISO 8601 timestamp with a zone, e.g. 2026-12-31T23:59:59Z',
        rule: 'format',
      },
    ];
  }
}

/** Whether `a` and `b` name one customer: the same ref, or members of one golden record. */
async function sameCustomer(store: ProcessDraftStore, a: string, b: string): Promise<boolean> {
  if (a === b) return true;
  const [x, y] = await Promise.all([store.resolveGoldenId(a), store.resolveGoldenId(b)]);
  return x !== undefined && x === y;
}

/**
 * A channel's save of process `processId` for `customerRef` (a `<system>:<id>` ref), naming the
 * revision it read (`ifMatch`: one, a list, or `*` for any stored), or none for a new one.
 */
export async function saveProcess(
  store: ProcessDraftStore,
  customerRef: string,
  processId: string,
  save: ProcessSave,
  ifMatch: RevisionMatch,
  now: Date = new Date(),
): Promise<SaveOutcome> {
  const at = now.toISOString();
  const stored = await store.getProcess(processId);
  if (!stored) {
    if (ifMatch !== undefined) return { outcome: 'not-stored' };
    const state = stateOf(
      save,
      { processId, customerRef, startedOn: save.startedOn ?? save.lastChannel, startedAt: at },
      at,
    );
    const errors = check(state);
    if (errors.length > 0) {
      // startedOn taken from lastChannel fails with it: name the field the channel sent
      return {
        outcome: 'invalid',
        errors: errors.filter((e) => save.startedOn !== undefined || e.field !== 'startedOn'),
      };
    }
    if (await store.putProcess(state)) return { outcome: 'created', stored: await asStored(store, state, 1) };
    // another channel created it in between: it is theirs to show first
    return saveProcess(store, customerRef, processId, save, ifMatch, now);
  }
  if (!(await sameCustomer(store, stored.process.customerRef, customerRef)))
    return { outcome: 'other-customer' };
  if (ifMatch === undefined) return { outcome: 'revision-required', current: stored };
  if (save.kind !== stored.process.kind) return { outcome: 'kind-differs', current: stored };
  if (!matches(ifMatch, stored.revision)) return { outcome: 'conflict', current: stored };
  if (isClosed(stored.process)) {
    // a retry of the save that closed it, or one made on the closed state, asks for what is there
    const outcome = changesNothing(save, stored.process) ? 'unchanged' : 'closed';
    return { outcome, current: stored };
  }
  // never before what is stored: an app whose clock runs ahead stamped it, and an older report of it
  // redelivered later must not win over this save (reportProcess keeps the newest)
  const after = new Date(Math.max(now.getTime(), Date.parse(stored.process.updatedAt) + 1)).toISOString();
  const state = stateOf(save, stored.process, after);
  const errors = check(state);
  if (errors.length > 0) return { outcome: 'invalid', errors };
  if (await store.updateProcess(state, stored.revision))
    return { outcome: 'updated', stored: await asStored(store, state, stored.revision + 1) };
  const current = await store.getProcess(processId);
  return current ? { outcome: 'conflict', current } : { outcome: 'other-customer' };
}

/** The state as the store keeps it (times in UTC), unless a later save replaced it already. */
async function asStored(
  store: ProcessDraftStore,
  state: ProcessState,
  revision: number,
): Promise<StoredProcess> {
  const read = await store.getProcess(state.processId);
  return read?.revision === revision ? read : { process: state, revision };
}

/** A process of `customerRef`'s (or of a member of its golden record), if stored. */
export async function processOf(
  store: ProcessDraftStore,
  customerRef: string,
  processId: string,
): Promise<StoredProcess | undefined> {
  const stored = await store.getProcess(processId);
  return stored && (await sameCustomer(store, stored.process.customerRef, customerRef)) ? stored : undefined;
}

export type ReportOutcome = 'created' | 'updated' | 'older';

/** Whether a document is a process state (it has a processId), not a customer (which also has kind). */
export function isProcessState(doc: unknown): boolean {
  const d = doc as Partial<ProcessState> | null;
  // a processId is enough: one that fails the schema is refused as a process state, naming its
  // fields, rather than taken for a customer
  return typeof d === 'object' && d !== null && typeof d.processId === 'string';
}

/**
 * A process state an event reported: stored when new, replacing the stored one when it is newer by
 * updatedAt (who started it, where and when stay as stored); an older one changes nothing. Throws,
 * naming the fields, when it is not a valid process state, and naming the status when a newer report
 * would change a closed process.
 */
export async function reportProcess(store: ProcessDraftStore, doc: unknown): Promise<ReportOutcome> {
  const errors = typeof doc === 'object' && doc !== null ? check(doc as ProcessState) : undefined;
  if (errors === undefined || errors.length > 0) {
    const fields = (errors ?? []).map((e) => `${e.field || '(document)'} ${e.message}`).join('; ');
    throw new Error(`process state: not a valid process-state document: ${fields || 'not an object'}`);
  }
  const state = doc as ProcessState;
  for (;;) {
    if (await store.putProcess(state)) return 'created';
    const stored = await store.getProcess(state.processId);
    if (!stored) continue;
    // as for a save over REST: any member of the customer's golden record, and the same kind
    if (!(await sameCustomer(store, stored.process.customerRef, state.customerRef))) {
      throw new Error(
        `process state: process ${state.processId} is ${stored.process.customerRef}'s, not ${state.customerRef}'s`,
      );
    }
    if (state.kind !== stored.process.kind) {
      throw new Error(
        `process state: process ${state.processId} is a ${stored.process.kind}; a report cannot make it a ${state.kind}`,
      );
    }
    if (Date.parse(state.updatedAt) <= Date.parse(stored.process.updatedAt)) return 'older';
    if (isClosed(stored.process)) {
      throw new Error(
        `process state: process ${state.processId} is ${stored.process.status} since ${stored.process.updatedAt}; a report cannot change it`,
      );
    }
    // whose it is, who started it, where and when stay as stored
    const { customerRef, startedOn, startedAt } = stored.process;
    const next: ProcessState = { ...state, customerRef, startedOn, ...(startedAt ? { startedAt } : {}) };
    if (await store.updateProcess(next, stored.revision)) return 'updated';
  }
}
