import express, { type Request, type RequestHandler, type Router } from 'express';
import { isGoldenId } from '../../records/cross-reference';
import {
  mergeGoldenRecords,
  reviewsAcross,
  unmergedBefore,
  unmergeGoldenRecord,
  type GoldenOperationOptions,
} from '../../records/golden-operations';
import type { GoldenStore, ReviewItem, ReviewStatus } from '../../records/golden-store';
import { unpaddedSapRef } from '../../mappings/canonical/sap-numbers';
import { parseSourceRef, sourceRef, type SourceKey } from '../../records/source-versions';
import type { HubStore } from '../../records/store';
import { requireId } from '../../records/store-input';
import { jsonPermission, refuseWhileAdminAuthConfigured } from './admin-only';
import {
  ApiError,
  apiErrors,
  methodNotAllowed,
  numberQuery,
  requireStore,
  route,
  type StoreSource,
} from './api-error';
import { customerIdParam } from './golden-customer';
import { personalData } from './personal-data';
import { goldenOf } from '../../records/customer-view';
import { continueTrace, TRACEPARENT } from '../../connectors/http/trace-context';
import type { GoldenCause } from '../../records/golden-store';

/**
 * The data steward's side of the golden record, for admins (integrators) only:
 *
 *   GET  /reviews?status=open&limit=100        the review band, oldest first (next page: after=<next>)
 *   GET  /reviews/{id}                          one item, as decided or still open
 *   POST /reviews/{id}  {"decision":"link"}     merges the two golden records (resolving the item with it)
 *   POST /reviews/{id}  {"decision":"keep-apart"}  closes it; matching does not propose the pair again
 *   POST /customers/{goldenId}/unmerge  {"sources":["sap:80042"]}  splits those records off and keeps
 *        them apart from the rest (the pairs across decided "keep-apart")
 *   POST /customers/{id}/merge  {"with":"sap:80042"}  joins two golden records no open item covers (an
 *        unmerge or a keep-apart undone: "force": true links the kept-apart pairs with it)
 *
 * Linking, merging and unmerging change golden records every system is fed from, so the routes sit
 * behind the same admin check as the dead-letter API (the glue passes Node-RED's needsPermission).
 */
export const REVIEWS_PERMISSION = 'crm-hub.reviews';

export interface ReviewsApiContext extends StoreSource<HubStore> {
  /** the admin check (Node-RED's needsPermission); without it the routes refuse while admin auth is configured */
  reviewsAdmin?: RequestHandler;
  /** source trust for recomputing golden records */
  goldenOptions?: () => GoldenOperationOptions;
  /**
   * Told after a link or unmerge wrote golden events to the outbox, so they are published now (the glue
   * tells the deployed golden-record relays, which otherwise hear only of their own node's changes)
   */
  goldenOutboxChanged?: () => void;
}

const STATUSES: readonly ReviewStatus[] = ['open', 'linked', 'kept-apart'];
/** what a review decision reads (README: POST /api/v1/reviews/{id}) */
const DECISION_FIELDS: ReadonlySet<string> = new Set(['decision', 'force']);
/** what an unmerge reads (README: POST /api/v1/customers/{goldenId}/unmerge) */
const UNMERGE_FIELDS: ReadonlySet<string> = new Set(['sources']);
/** what a steward's merge reads (README: POST /api/v1/customers/{id}/merge) */
const MERGE_FIELDS: ReadonlySet<string> = new Set(['with', 'force']);
const MAX_SOURCES = 100;

export function createReviewsApi(context: ReviewsApiContext, env: NodeJS.ProcessEnv = process.env): Router {
  const api = express.Router();
  // a refusal names the route asked for: a steward unmerging was told about "the review API"
  const adminFor = (what: string) =>
    context.reviewsAdmin
      ? jsonPermission(context.reviewsAdmin, what)
      : refuseWhileAdminAuthConfigured(
          env,
          `${what} is for admins, and this hub has no admin check wired for it`,
        );
  const admin = adminFor('the review API');
  const unmergeAdmin = adminFor('the unmerge API');
  const mergeAdmin = adminFor('the merge API');
  const store = () => requireStore(context, 'no hub-store is deployed, so there is nothing to read');
  const options = () => context.goldenOptions?.() ?? {};
  api.use(['/reviews', '/customers/:id/unmerge', '/customers/:id/merge'], personalData);

  api.get(
    '/reviews',
    admin,
    route(async (req, res) => {
      const status = req.query.status ?? 'open';
      if (typeof status !== 'string' || !STATUSES.includes(status as ReviewStatus)) {
        throw new ApiError(400, 'invalid-status', `status must be one of ${STATUSES.join(', ')}`, 'status');
      }
      const limit = req.query.limit === undefined ? 100 : numberQuery(req.query.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
        throw new ApiError(400, 'invalid-limit', 'limit must be a whole number from 1 to 1000', 'limit');
      }
      const s = store();
      const after = await pageAfter(s, req.query.after);
      const reviews = await s.listReviews({
        status: status as ReviewStatus,
        limit,
        ...(after ? { after } : {}),
      });
      res.json({
        status,
        reviews: await Promise.all(reviews.map((item) => withGoldenIds(s, item))),
        // a full page may have more behind it: the next one is asked for with after=<this>
        ...(reviews.length === limit ? { next: reviews[reviews.length - 1].reviewId } : {}),
      });
    }),
  );

  // the item a 409 kept-apart or review-closed names, read without paging through the band
  api.get(
    '/reviews/:id',
    admin,
    route(async (req, res) => {
      const s = store();
      const item = await s.getReview(req.params.id);
      if (!item) throw new ApiError(404, 'unknown-review', `no review item ${req.params.id}`, 'id');
      res.json({ review: await withGoldenIds(s, item) });
    }),
  );

  api.post(
    '/reviews/:id',
    admin,
    route(async (req, res) => {
      const body = req.body as Record<string, unknown> | undefined;
      refuseUnknownFields(
        body,
        DECISION_FIELDS,
        'a review decision',
        "decision ('link' or 'keep-apart') and optionally force",
      );
      const decision = body?.decision;
      if (decision !== 'link' && decision !== 'keep-apart') {
        throw new ApiError(400, 'invalid-decision', "decision must be 'link' or 'keep-apart'", 'decision');
      }
      // "force": "true" read as not forced would be refused as kept-apart, telling to send the force it sent
      if (body?.force !== undefined && typeof body.force !== 'boolean') {
        throw new ApiError(400, 'invalid-force', 'force must be true or false', 'force');
      }
      const s = store();
      const item = await s.getReview(req.params.id);
      if (!item) throw new ApiError(404, 'unknown-review', `no review item ${req.params.id}`, 'id');
      // the same decision again is a client's retry of a lost answer: it is answered as taken, not refused
      const taken = decision === 'link' ? 'linked' : 'kept-apart';
      if (item.status === taken) {
        const goldenId = decision === 'link' ? await s.resolveGoldenId(item.a) : undefined;
        res.json({
          review: await withGoldenIds(s, item),
          ...(goldenId ? { goldenId } : {}),
          alsoDecided: [],
          changed: false,
        });
        return;
      }
      if (item.status !== 'open') {
        throw new ApiError(
          409,
          'review-closed',
          `review item ${item.reviewId} is already ${item.status}`,
          'id',
          // as every other answer shows an item: with the golden records its sides are in now
          { review: await withGoldenIds(s, item) },
        );
      }
      const by = stewardOf(req);
      // the decision covers the two golden records: the other items open between them close with it
      const alike = await openAlike(s, item);
      if (decision === 'keep-apart') {
        await refuseKeepingOneRecordApart(s, item);
        const resolved = await s.resolveReview(item.reviewId, 'keep-apart', by);
        if (resolved.outcome !== 'resolved') throw closed(item.reviewId);
        for (const other of alike) await s.resolveReview(other, 'keep-apart', by);
        res.json({ review: await withGoldenIds(s, resolved.item), alsoDecided: alike, changed: true });
        return;
      }
      const force = body?.force === true;
      const merged = await mergeGoldenRecords(s, item.a, item.b, {
        ...options(),
        cause: stewardCause(req),
        review: { reviewId: item.reviewId, by },
        force,
      });
      if (merged.status === 'applied') context.goldenOutboxChanged?.();
      if (merged.status === 'review-closed') throw closed(item.reviewId);
      if (merged.status === 'kept-apart') throw await keptApart(s, merged.review, 'link', 'decision');
      const goldenId = merged.status === 'applied' ? merged.survivor : merged.goldenId;
      for (const other of alike) await s.resolveReview(other, 'link', by);
      const review = await s.getReview(item.reviewId);
      res.json({
        review: review && (await withGoldenIds(s, review)),
        goldenId,
        merge: merged,
        alsoDecided: alike,
        changed: true,
      });
    }),
  );

  api.post(
    '/customers/:id/unmerge',
    unmergeAdmin,
    route(async (req, res) => {
      // Crockford's base 32 reads upper and lower case alike, as the customer 360 reads a golden id
      const goldenId = isGoldenId(req.params.id.toLowerCase()) ? req.params.id.toLowerCase() : req.params.id;
      if (!isGoldenId(goldenId)) {
        // a member's ref is the likely slip: the customer 360 answers its goldenId
        const hint = goldenId.includes(':')
          ? `; GET /api/v1/customers/${goldenId} answers the golden record it belongs to as goldenId`
          : '';
        throw new ApiError(
          400,
          'invalid-customer-id',
          `'${goldenId}' is not a golden id (g- and 26 letters and digits, as the customer 360 answers it)${hint}`,
          'id',
        );
      }
      const body = req.body as Record<string, unknown> | undefined;
      // a misspelt "source" would otherwise be answered as if sources were missing
      refuseUnknownFields(body, UNMERGE_FIELDS, 'an unmerge', 'sources (["sap:80042", …])');
      const asked = sourcesParam(body?.sources);
      const s = store();
      const members = await s.listGoldenMembers(goldenId);
      if (members.length === 0)
        throw new ApiError(404, 'unknown-customer', `no golden record ${goldenId}`, 'id');
      const held = new Set(members.map(sourceRef));
      // SAP's padded number names the member the hub keys without the zeros, as on every other route
      // (SAP's only: elsewhere 007 and 7 may be two customers)
      const named = asked.map((k) => {
        const unpadded = unpaddedSapRef(sourceRef(k));
        return held.has(sourceRef(k)) || !held.has(unpadded) ? k : parseSourceRef(unpadded);
      });
      // one member named twice (or padded and not) is one split: counted twice, it would seem to
      // leave no member behind
      const sources = [...new Map(named.map((k) => [sourceRef(k), k])).values()];
      const foreign = sources.filter((k) => !held.has(sourceRef(k)));
      if (foreign.length > 0 || sources.length >= members.length) {
        // split off before, and the answer lost: answered as done, as a review decision sent again is
        const keys = await Promise.all(
          sources.map(async (k) =>
            held.has(sourceRef(k)) || (await s.resolveGoldenId(sourceRef(k))) !== undefined
              ? k
              : parseSourceRef(unpaddedSapRef(sourceRef(k))),
          ),
        );
        const parts = await unmergedBefore(s, goldenId, keys);
        if (parts) {
          res.json({ parts, events: [], changed: false });
          return;
        }
        throw new ApiError(
          400,
          'invalid-sources',
          foreign.length > 0
            ? `${foreign.map((k) => `${k.system}:${k.sourceId}`).join(', ')} is not a member of ${goldenId}${caseHint(foreign, held)}`
            : 'sources must leave at least one member behind',
          'sources',
        );
      }
      const unmerged = await unmergeGoldenRecord(s, goldenId, sources, {
        ...options(),
        cause: stewardCause(req),
        by: stewardOf(req),
      });
      if (unmerged.events.length > 0) context.goldenOutboxChanged?.();
      res.json({ ...unmerged, changed: true });
    }),
  );

  // No review item needed: an unmerge done by mistake, or a keep-apart decided wrongly (whose item a
  // link refuses as review-closed), could otherwise never be undone.
  api.post(
    '/customers/:id/merge',
    mergeAdmin,
    route(async (req, res) => {
      // as the customer 360 reads it: a golden id in any case, hub:g-…, or a member's ref
      const id = customerIdParam(req.params.id);
      const body = req.body as Record<string, unknown> | undefined;
      refuseUnknownFields(
        body,
        MERGE_FIELDS,
        'a merge',
        'with (a golden id or a member such as "sap:80042") and optionally force',
      );
      if (typeof body?.with !== 'string') {
        throw new ApiError(
          400,
          'invalid-with',
          'with must name the other golden record: its golden id or a member such as "sap:80042"',
          'with',
        );
      }
      const other = customerIdParam(body.with, 'with');
      // as for a link: "force": "true" read as not forced would refuse with the hint to send it
      if (body.force !== undefined && typeof body.force !== 'boolean') {
        throw new ApiError(400, 'invalid-force', 'force must be true or false', 'force');
      }
      const s = store();
      const [first, second] = [await goldenIdNamed(s, id, 'id'), await goldenIdNamed(s, other, 'with')];
      // the same record twice, or a merge sent again after a lost answer: nothing left to do
      if (first === second) {
        res.json({ goldenId: first, changed: false });
        return;
      }
      const by = stewardOf(req);
      const across = await reviewsAcross(s, first, second);
      const merged = await mergeGoldenRecords(s, first, second, {
        ...options(),
        cause: stewardCause(req),
        force: body.force === true,
        by,
      });
      if (merged.status === 'applied') context.goldenOutboxChanged?.();
      if (merged.status === 'same') {
        // another request joined them between the read above and the merge
        res.json({ goldenId: merged.goldenId, changed: false });
        return;
      }
      if (merged.status === 'kept-apart') throw await keptApart(s, merged.review, 'merge', 'with');
      // no review item was named, so the store never answers review-closed: anything else is a bug
      if (merged.status !== 'applied') throw new Error(`golden record: merge answered ${merged.status}`);
      // the items open between the two close with the merge, as with a link (a keep-apart on one
      // would otherwise be refused later as same-golden-record)
      const alsoDecided: string[] = [];
      for (const item of across.filter((i) => i.status === 'open')) {
        if ((await s.resolveReview(item.reviewId, 'link', by)).outcome === 'resolved')
          alsoDecided.push(item.reviewId);
      }
      // the kept-apart decisions a forced merge overruled, as the merge left them: linked by this
      // steward, the keep-apart in `earlier`
      const overruled: ReviewItem[] = [];
      for (const kept of across.filter((i) => i.status === 'kept-apart')) {
        const now = await s.getReview(kept.reviewId);
        if (now) overruled.push(await withGoldenIds(s, now));
      }
      res.json({
        goldenId: merged.survivor,
        merge: merged,
        alsoDecided,
        ...(overruled.length > 0 ? { overruled } : {}),
        changed: true,
      });
    }),
  );

  api.all('/reviews', methodNotAllowed('GET, HEAD'));
  api.all('/reviews/:id', methodNotAllowed('GET, HEAD, POST'));
  api.all('/customers/:id/unmerge', methodNotAllowed('POST'));
  api.all('/customers/:id/merge', methodNotAllowed('POST'));
  api.use(apiErrors);
  return api;
}

/**
 * The steward's request as the cause of the golden events it makes: they go out on crm.golden on the
 * request's W3C trace (a new one without it), as an event a channel reports does.
 */
function stewardCause(req: Request): GoldenCause {
  return { traceparent: continueTrace(req.get(TRACEPARENT)) };
}

/**
 * Where a page of the band starts: after the item `after` names (the `next` of the page before). The
 * item's place, not its status, is the cursor: an item decided since still marks where the page ended.
 */
async function pageAfter(
  store: GoldenStore,
  after: unknown,
): Promise<{ proposedAt: string; reviewId: string } | undefined> {
  if (after === undefined) return undefined;
  const item = typeof after === 'string' && after !== '' ? await store.getReview(after) : undefined;
  if (!item) {
    throw new ApiError(
      400,
      'invalid-after',
      'after must be the reviewId of an item, as the page before gives it in next',
      'after',
    );
  }
  return { proposedAt: item.proposedAt, reviewId: item.reviewId };
}

/**
 * The current golden id of a customer as the customer 360 finds it (hub:g-…, SAP's padded number
 * without its zeros); a 404 naming `field` when no golden record holds it.
 */
async function goldenIdNamed(store: HubStore, id: string, field: string): Promise<string> {
  const golden = await goldenOf(store, id);
  if (!golden) throw new ApiError(404, 'unknown-customer', `the hub has no golden record for ${id}`, field);
  return golden.goldenId;
}

/** The item with the golden ids its two sides belong to now (`goldenA` for `a`, `goldenB` for `b`). */
async function withGoldenIds(
  store: GoldenStore,
  item: ReviewItem,
): Promise<ReviewItem & { goldenA?: string; goldenB?: string }> {
  const [goldenA, goldenB] = [await store.resolveGoldenId(item.a), await store.resolveGoldenId(item.b)];
  return { ...item, ...(goldenA ? { goldenA } : {}), ...(goldenB ? { goldenB } : {}) };
}

/** The other open items between the golden records of the item's two sides. */
async function openAlike(store: GoldenStore, item: ReviewItem): Promise<string[]> {
  const [a, b] = [await store.resolveGoldenId(item.a), await store.resolveGoldenId(item.b)];
  if (a === undefined || b === undefined || a === b) return [];
  return (await reviewsAcross(store, a, b))
    .filter((other) => other.status === 'open' && other.reviewId !== item.reviewId)
    .map((other) => other.reviewId);
}

/** The 409 for a link or merge that would join a pair a steward kept apart, with the item and the way on. */
async function keptApart(
  store: GoldenStore,
  kept: ReviewItem,
  action: 'link' | 'merge',
  field: string,
): Promise<ApiError> {
  const when = kept.resolvedAt ? ` at ${kept.resolvedAt}` : '';
  return new ApiError(
    409,
    'kept-apart',
    `${action === 'link' ? 'linking' : 'merging'} would join ${kept.a} and ${kept.b}, which ${kept.resolvedBy ?? 'a steward'} kept apart${when} (review ${kept.reviewId}); send "force": true to ${action} all the same`,
    field,
    { keptApart: await withGoldenIds(store, kept) },
  );
}

/**
 * A field a decision or an unmerge does not read is refused, as the processes API refuses one: a
 * client that sends "by" or a misspelt "forse" would otherwise believe it was taken.
 */
function refuseUnknownFields(
  body: Record<string, unknown> | undefined,
  fields: ReadonlySet<string>,
  what: string,
  send: string,
): void {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return;
  const unknown = Object.keys(body).filter((field) => !fields.has(field));
  if (unknown.length === 0) return;
  // the steward is who authenticated, never a field: a "by" would be a claim anyone could make
  const by = unknown.includes('by') ? '; the hub records who decided from the request’s credentials' : '';
  throw new ApiError(
    400,
    'unknown-field',
    `${what} has no field ${unknown.map((field) => `'${field}'`).join(', ')}; send ${send}${by}`,
    unknown[0],
  );
}

/**
 * An item left open while its two sides came to be one golden record (before items were per golden
 * record, or proposed while a link went through): "keep apart" would close it and split nothing,
 * leaving a kept-apart pair inside one record. Splitting is the unmerge's, which closes the item too.
 */
async function refuseKeepingOneRecordApart(store: GoldenStore, item: ReviewItem): Promise<void> {
  const [goldenA, goldenB] = [await store.resolveGoldenId(item.a), await store.resolveGoldenId(item.b)];
  if (goldenA === undefined || goldenA !== goldenB) return;
  // a side may be a golden id, which no unmerge takes as a source
  const member = [item.b, item.a].find((side) => !isGoldenId(side));
  const split = member ? ` {"sources": ["${member}"]} to split ${member} off` : ' to split them';
  throw new ApiError(
    409,
    'same-golden-record',
    `${item.a} and ${item.b} are one golden record (${goldenA}) already, which keeping them apart would not split: send "link" to confirm it, or POST /api/v1/customers/${goldenA}/unmerge${split} (which closes this item as kept apart)`,
    'decision',
    { review: await withGoldenIds(store, item) },
  );
}

function closed(reviewId: string): ApiError {
  return new ApiError(409, 'review-closed', `review item ${reviewId} was decided meanwhile`, 'id');
}

/** ["sap:80042", …] or [{ system, sourceId }, …], at least one. */
function sourcesParam(value: unknown): SourceKey[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_SOURCES) {
    throw new ApiError(
      400,
      'invalid-sources',
      `sources must be a list of 1 to ${MAX_SOURCES} source refs such as "sap:80042"`,
      'sources',
    );
  }
  const keys = value.map((entry: unknown) => {
    try {
      if (typeof entry === 'string') return parseSourceRef(entry);
      const key = entry as Partial<SourceKey> | null;
      if (typeof key?.system === 'string' && typeof key.sourceId === 'string' && key.system && key.sourceId)
        return { system: key.system, sourceId: key.sourceId };
    } catch {
      // reported below, with the entry
    }
    throw new ApiError(
      400,
      'invalid-sources',
      `source ${JSON.stringify(entry)} is not "<system>:<source id>"`,
      'sources',
    );
  });
  // checked here, so the 400 names the request's field, not the store argument it would reach
  keys.forEach((key, i) => {
    requireId(key.system, `sources[${i}].system`);
    requireId(key.sourceId, `sources[${i}].sourceId`);
  });
  return keys;
}

/**
 * The hub's system ids are lower case: "SAP:80042" read as a stranger would leave the steward
 * believing the member gone; the hint names the member as the hub keys it, as the customer 360 does.
 */
function caseHint(foreign: readonly SourceKey[], held: ReadonlySet<string>): string {
  const meant = foreign
    .map((k) => sourceRef({ system: k.system.toLowerCase(), sourceId: k.sourceId }))
    .filter((ref, i) => ref !== sourceRef(foreign[i]) && held.has(ref));
  return meant.length > 0 ? `; system ids are lower case: ${meant.map((ref) => `'${ref}'`).join(', ')}` : '';
}

/** Who decided: the user another middleware authenticated, else the Basic user, else "api". */
function stewardOf(req: Request): string {
  const user = (req as Request & { user?: { username?: unknown } }).user?.username;
  if (typeof user === 'string' && user) return user;
  const auth = req.headers.authorization ?? '';
  if (auth.startsWith('Basic ')) {
    const decoded = Buffer.from(auth.slice(6), 'base64').toString('utf8');
    const name = decoded.slice(0, Math.max(0, decoded.indexOf(':')));
    if (name) return name;
  }
  return 'api';
}
