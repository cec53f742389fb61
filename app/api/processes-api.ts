import express, { type Request, type Response, type Router } from 'express';
import { PROCESS_STATUSES, type ProcessState } from '../../mappings/canonical/types';
import { isGoldenId } from '../../records/cross-reference';
import {
  processOf,
  saveProcess,
  unknownSaveFields,
  type ProcessSave,
  type RevisionMatch,
  type SaveOutcome,
} from '../../records/process-drafts';
import { goldenOf, memberRefOf } from '../../records/customer-view';
import { sourceRef } from '../../records/source-versions';
import { compareProcessesLatestFirst, type HubStore, type StoredProcess } from '../../records/store';
import {
  ApiError,
  apiErrors,
  methodNotAllowed,
  requireStore,
  route,
  storeInputError,
  type StoreSource,
} from './api-error';
import { customerIdParam, sourceRefParam } from './golden-customer';
import { personalData } from './personal-data';

/**
 * Process state for the channels (records/process-drafts.ts): a draft saved on one channel, shown in
 * the customer 360, resumed on another.
 *
 *   PUT /customers/{id}/processes/{processId}   the state now; If-Match: "<revision>" on every save
 *                                               but the first → 201 or 200 with ETag "<revision>"
 *   GET /customers/{id}/processes/{processId}   the state with its ETag
 *   GET /customers/{id}/processes?status=open   the customer's processes, under every member of its
 *                                               golden record, last updated first
 *
 * A save that names an older revision gets 412 with the state now, one that names none 428: two
 * channels cannot overwrite each other without having seen what the other saved. If-Match is RFC
 * 9110's: one tag, a list ("2", "3"), or * for whatever revision is stored. A completed or abandoned
 * process changes no more: 409 with its state; the same save again (a retry) is answered 200 with it.
 */
export type ProcessesApiContext = StoreSource<HubStore>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** "3" as the ETag gave it, or a bare 3 */
const REVISION_TAG = /^"?([1-9]\d{0,9})"?$/;
/**
 * W/"3": a valid tag that If-Match's strong comparison never matches (RFC 9110 13.1.1), so a save
 * that names only weak tags is answered 412 with the state now, not refused as malformed
 */
const WEAK_TAG = /^W\/"[^"]*"$/;
/** RFC 9110's If-Match: `*`, or a list of tags, each as above, separated by commas */
const ANY = '*';

const etag = (stored: StoredProcess) => `"${stored.revision}"`;
const body = (stored: StoredProcess) => ({ process: stored.process, revision: stored.revision });

function processIdParam(id: string): string {
  if (UUID.test(id)) return id.toLowerCase();
  throw new ApiError(400, 'invalid-process-id', `process id '${id}' is not a UUID`, 'processId');
}

function ifMatchOf(req: Request): RevisionMatch {
  const header = req.get('if-match');
  if (header === undefined) return undefined;
  if (header.trim() === ANY) return ANY;
  const tags = header
    .split(',')
    .map((tag) => tag.trim())
    .filter((tag) => !WEAK_TAG.test(tag));
  const revisions = tags.map((tag) => REVISION_TAG.exec(tag)?.[1]);
  if (revisions.some((revision) => revision === undefined)) {
    throw new ApiError(
      400,
      'invalid-if-match',
      `If-Match must name revisions as the ETag gave them ("3", or "2", "3"), or be *, got '${header}'`,
      'If-Match',
    );
  }
  return revisions.map(Number);
}

/**
 * Why a save's If-Match failed: another channel saved since (the usual case), or the client names
 * revisions the process never reached (its own count, or another process's), which "moved on" would
 * misstate.
 */
function conflictMessage(processId: string, current: StoredProcess, asked: RevisionMatch): string {
  const named = typeof asked === 'number' ? [asked] : Array.isArray(asked) ? asked : [];
  const via = `last saved via ${current.process.lastChannel}`;
  if (named.length > 0 && named.every((revision) => revision > current.revision)) {
    const list = named.map((revision) => `"${revision}"`).join(', ');
    return `If-Match names revision ${list}, but process ${processId} is at revision ${current.revision} (${via}); read it and save again on that`;
  }
  return `process ${processId} moved on to revision ${current.revision} (${via}); read it and save again on that`;
}

/** What a stored process carries that no save may set: its ids, times and revision are the hub's. */
const HUB_SET_FIELDS: ReadonlySet<string> = new Set([
  'schemaVersion',
  'processId',
  'customerRef',
  'startedAt',
  'updatedAt',
  'revision',
]);

function saveOf(raw: unknown): ProcessSave {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ApiError(400, 'invalid-body', 'the body must be a JSON object: the process state now');
  }
  const unknown = unknownSaveFields(raw as Record<string, unknown>);
  if (unknown.length > 0) {
    // a client echoing a stored process back and one with a misspelt field need different advice
    const hubSet = unknown.filter((field) => HUB_SET_FIELDS.has(field));
    const foreign = unknown.filter((field) => !HUB_SET_FIELDS.has(field));
    const why = [
      ...(hubSet.length > 0 ? [`the hub sets ${hubSet.join(', ')} itself`] : []),
      ...(foreign.length > 0
        ? [`a process state has no field ${foreign.map((field) => `'${field}'`).join(', ')}`]
        : []),
    ];
    throw new ApiError(
      400,
      'unknown-field',
      `${why.join('; ')}; send kind, lastChannel, step, data and optionally status, expiresAt, startedOn`,
      unknown[0],
    );
  }
  return raw as ProcessSave;
}

function answer(
  req: Request,
  res: Response,
  outcome: SaveOutcome,
  customerId: string,
  processId: string,
): void {
  // an answer that carries the state now names its revision, for the next If-Match
  if ('current' in outcome) res.set('ETag', etag(outcome.current));
  switch (outcome.outcome) {
    case 'created':
      // the process as stored: under the member the hub keys (sap:104712 when asked as sap:0000104712)
      res
        .status(201)
        .set('ETag', etag(outcome.stored))
        .location(
          `${req.baseUrl}/customers/${encodeURIComponent(outcome.stored.process.customerRef).replace(/%3A/gi, ':')}/processes/${processId}`,
        )
        .json(body(outcome.stored));
      return;
    case 'updated':
      res.status(200).set('ETag', etag(outcome.stored)).json(body(outcome.stored));
      return;
    case 'unchanged':
      // closed already as the save says: its state, as the save that closed it was answered
      res.status(200).json(body(outcome.current));
      return;
    case 'not-stored':
      throw new ApiError(
        412,
        'not-stored',
        `process ${processId} is not stored, so If-Match names no revision of it; its first save sends none`,
        'If-Match',
      );
    case 'invalid': {
      const [first] = outcome.errors;
      throw new ApiError(
        400,
        'invalid-process',
        `not a valid process state: ${outcome.errors.map((e) => `${e.field || '(body)'} ${e.message}`).join('; ')}`,
        first?.field,
        { errors: outcome.errors.map(({ field, message }) => ({ field, message })) },
      );
    }
    case 'revision-required':
      throw new ApiError(
        428,
        'revision-required',
        `process ${processId} is stored at revision ${outcome.current.revision}; send If-Match: "${outcome.current.revision}" with a save made on it`,
        'If-Match',
        body(outcome.current),
      );
    case 'conflict':
      throw new ApiError(
        412,
        'revision-conflict',
        conflictMessage(processId, outcome.current, ifMatchOf(req)),
        'If-Match',
        body(outcome.current),
      );
    case 'kind-differs':
      throw new ApiError(
        409,
        'kind-differs',
        `process ${processId} is a ${outcome.current.process.kind}; its kind cannot change`,
        'kind',
      );
    case 'closed':
      throw new ApiError(
        409,
        'process-closed',
        `process ${processId} is ${outcome.current.process.status} (saved via ${outcome.current.process.lastChannel} at ${outcome.current.process.updatedAt}); a closed process changes no more`,
        'status',
        body(outcome.current),
      );
    case 'other-customer':
      throw unknownProcess(customerId, processId);
  }
}

function unknownProcess(customerId: string, processId: string): ApiError {
  return new ApiError(
    404,
    'unknown-process',
    `customer ${customerId} has no process ${processId}`,
    'processId',
  );
}

export function createProcessesApi(context: ProcessesApiContext): Router {
  const api = express.Router();
  const store = () => requireStore(context, 'no hub-store is deployed, so no process can be kept');
  api.use('/customers/:id/processes', personalData);

  api.put(
    '/customers/:id/processes/:processId',
    route(async (req, res) => {
      // never under the golden record's own hub: ref: a process is saved under a system's number
      const asked = sourceRefParam(req.params.id, "a process is saved under a system's own customer number");
      const processId = processIdParam(req.params.processId);
      const ifMatch = ifMatchOf(req);
      const save = saveOf(req.body);
      const s = store();
      // SAP's padded number is the member the hub keys without the zeros
      const customerId = await memberRefOf(s, asked);
      const outcome = await saveProcess(s, customerId, processId, save, ifMatch).catch((err: unknown) => {
        // the store names the process's fields (process.data.note); the body's are data.note
        throw storeInputError(err, (field) => field.replace(/^process\./, '')) ?? err;
      });
      answer(req, res, outcome, customerId, processId);
    }),
  );

  api.get(
    '/customers/:id/processes/:processId',
    route(async (req, res) => {
      const customerId = customerIdParam(req.params.id);
      const processId = processIdParam(req.params.processId);
      const s = store();
      const stored = await processOf(s, await memberRefOf(s, customerId), processId);
      if (!stored) throw unknownProcess(customerId, processId);
      res.set('ETag', etag(stored)).json(body(stored));
    }),
  );

  api.get(
    '/customers/:id/processes',
    route(async (req, res) => {
      const customerId = customerIdParam(req.params.id);
      const status = req.query.status;
      if (status !== undefined && !(PROCESS_STATUSES as readonly unknown[]).includes(status)) {
        throw new ApiError(
          400,
          'invalid-status',
          `status must be one of ${PROCESS_STATUSES.join(', ')}`,
          'status',
        );
      }
      const s = store();
      const golden = await goldenOf(s, customerId);
      const refs = golden ? golden.members.map(sourceRef) : isGoldenId(customerId) ? [] : [customerId];
      const options = status === undefined ? {} : { status: status as ProcessState['status'] };
      const lists = await Promise.all(refs.map((ref) => s.listProcesses(ref, options)));
      const processes = lists.flat().sort(compareProcessesLatestFirst).map(body);
      res.json({ customerId, processes });
    }),
  );

  api.all('/customers/:id/processes/:processId', methodNotAllowed('GET, HEAD, PUT'));
  api.all('/customers/:id/processes', methodNotAllowed('GET, HEAD'));

  api.use(apiErrors);
  return api;
}
