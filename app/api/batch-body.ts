import type { Request } from 'express';
import type { FieldError, Validator } from '../../mappings/validate';
import { canonicalJson, uuidFromName } from '../../records/content-hash';
import { ApiError } from './api-error';

/**
 * A POST body that holds one canonical document or an array of them (POST /events, POST /responses),
 * checked alike for every such route: JSON only, a bounded non-empty batch, every document given a
 * stable id when it has none, and the whole batch refused when one document is invalid.
 */
export interface BatchRules {
  /** the document's name in messages and in the error code: 'event' gives invalid-event, "event 1: …" */
  noun: string;
  /** most documents in one request */
  max: number;
  validate: Validator;
  /** the member that carries the document's id; one without it gets stableEventId of its content */
  idKey: string;
  /**
   * Put `field` in the error body even where it is empty (the whole body): POST /events has always
   * answered so; the other routes leave an empty field out, as ApiError does.
   */
  alwaysNameField?: boolean;
}

export interface BatchProblem extends FieldError {
  /** position in the request's array; 0 for a single object */
  index: number;
}

const JSON_TYPE = /^\s*application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i;

/** The request's documents, each with its id; an ApiError (415, 400, 413) for a body that does not fit. */
export function batchItems(req: Request, rules: BatchRules): unknown[] {
  const { noun, max } = rules;
  const plural = `${noun}s`;
  // a JSON type with nothing sent: what is missing is the body, not another type (req.is knows no type
  // without a body, and the JSON parser makes an empty one {})
  const noBody =
    req.headers['transfer-encoding'] === undefined && Number(req.headers['content-length'] ?? 0) === 0;
  if (noBody && JSON_TYPE.test(req.get('content-type') ?? ''))
    throw new ApiError(400, 'empty-body', `the body is empty: send the ${plural} as JSON`);
  if (!req.is(['application/json', 'application/*+json'])) {
    throw new ApiError(415, 'unsupported-media-type', `send the ${plural} as application/json`);
  }
  const [field, extra] = rules.alwaysNameField ? [undefined, { field: '' }] : ['', {}];
  const body: unknown = req.body;
  if (typeof body !== 'object' || body === null) {
    throw new ApiError(
      400,
      'invalid-body',
      `body must be a canonical ${noun} or an array of them`,
      field,
      extra,
    );
  }
  const items = Array.isArray(body) ? body : [body];
  if (items.length === 0) throw new ApiError(400, 'empty-batch', `the array holds no ${noun}`, field, extra);
  if (items.length > max) {
    throw new ApiError(
      413,
      'batch-too-large',
      `at most ${max} ${plural} per request, got ${items.length}`,
      undefined,
      { limit: max },
    );
  }
  const documents = items.map((item) => withStableId(item, rules.idKey));
  const problems: BatchProblem[] = documents.flatMap((document, index) => {
    const verdict = rules.validate(document);
    return verdict.ok ? [] : verdict.errors.map((error) => ({ index, ...error }));
  });
  if (problems.length > 0) {
    const [first] = problems;
    const message = `${noun} ${first.index}: ${first.field || noun} ${first.message}`;
    throw rules.alwaysNameField
      ? new ApiError(400, `invalid-${noun}`, message, undefined, {
          index: first.index,
          field: first.field,
          errors: problems,
        })
      : new ApiError(400, `invalid-${noun}`, message, first.field, { index: first.index, errors: problems });
  }
  return documents;
}

/**
 * An id derived from a document's content: a UUID (RFC 4122 layout, version 5 bits) of the SHA-256 of
 * its JSON with sorted keys, its eventId left out. Sending the same document again, e.g. a retry after
 * a 503, gives the same id, so consumers that deduplicate by id handle it once.
 */
export function stableEventId(event: Record<string, unknown>): string {
  const { eventId: _ignored, ...content } = event;
  return uuidFromName(canonicalJson(content));
}

function withStableId(item: unknown, idKey: string): unknown {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return item;
  const document = item as Record<string, unknown>;
  return document[idKey] === undefined ? { [idKey]: stableEventId(document), ...document } : document;
}
