import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import {
  loadSystemSpec,
  MappingSpecError,
  resolveSpecOverride,
  type SystemSpec,
} from '../../mappings/engine';
import { previewMapping, type Direction } from '../../app/preview/preview';
import type { RED } from '../shared/red';
import { firstTimeFor } from '../shared/once';

const MAX_BODY_BYTES = 256 * 1024;

const tooLarge = (res: Response) =>
  res.status(413).json({ error: 'too-large', message: 'the preview body is limited to 256 kB' });

/**
 * Node-RED's admin app parses JSON itself (up to apiMaxLength, settings.js: 1 MiB by default) before any route,
 * so the limit is checked here on the declared length and on what was parsed, not only by express.json.
 */
function limitBody(req: Request, res: Response, next: NextFunction): void {
  const declared = Number(req.headers['content-length'] ?? 0);
  const parsed = req.body === undefined ? 0 : Buffer.byteLength(JSON.stringify(req.body) ?? '');
  if (declared > MAX_BODY_BYTES || parsed > MAX_BODY_BYTES) tooLarge(res);
  else next();
}

/** A request the preview cannot serve, answered with a message naming the field. */
class BadPreview extends Error {
  constructor(
    readonly status: number,
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

function specFrom(body: Record<string, unknown>): SystemSpec {
  const { systemId, mapping } = body;
  if (typeof mapping === 'string' && mapping.trim() !== '') {
    let given: unknown;
    try {
      given = JSON.parse(mapping);
    } catch (err) {
      throw new BadPreview(400, 'mapping', `mapping is not valid JSON: ${(err as Error).message}`);
    }
    // the runtime's reading: `"extends": "sap"` is the shipped spec with the site's changes
    if (given === null || typeof given !== 'object' || Array.isArray(given)) return given as SystemSpec;
    try {
      return resolveSpecOverride(given as Record<string, unknown>);
    } catch (err) {
      throw new BadPreview(400, 'mapping', (err as Error).message);
    }
  }
  if (typeof systemId !== 'string' || systemId.trim() === '') {
    throw new BadPreview(400, 'systemId', 'give systemId (a shipped spec) or mapping (a JSON spec text)');
  }
  try {
    return loadSystemSpec(systemId.trim());
  } catch (err) {
    throw new BadPreview(404, 'systemId', (err as Error).message);
  }
}

function checked(body: unknown): {
  spec: SystemSpec;
  direction: Direction;
  sample: string;
  recordKind?: string;
} {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new BadPreview(400, '', 'body must be a JSON object');
  }
  const fields = body as Record<string, unknown>;
  const { direction, sample, recordKind } = fields;
  if (direction !== 'inbound' && direction !== 'outbound') {
    throw new BadPreview(400, 'direction', 'direction must be "inbound" or "outbound"');
  }
  if (typeof sample !== 'string' || sample.trim() === '') {
    throw new BadPreview(400, 'sample', 'sample must be a non-empty text in the system format');
  }
  if (recordKind !== undefined && recordKind !== '' && typeof recordKind !== 'string') {
    throw new BadPreview(400, 'recordKind', 'recordKind must be a text');
  }
  const kind = typeof recordKind === 'string' && recordKind.trim() !== '' ? recordKind.trim() : undefined;
  return { spec: specFrom(fields), direction, sample, recordKind: kind };
}

/**
 * POST /crm-hub/legacy-system/preview on the admin API (behind the editor's auth): the "Try it"
 * section of the legacy-system dialog. Mounted once per Node-RED process.
 */
export function registerPreviewRoute(RED: RED): void {
  const app = RED.httpAdmin;
  if (!app || !firstTimeFor(app, 'legacy-system-preview')) return;
  app.post(
    '/crm-hub/legacy-system/preview',
    RED.auth.needsPermission('legacy-system.read'),
    limitBody,
    express.json({ limit: MAX_BODY_BYTES }),
    (req: Request, res: Response) => {
      let request;
      try {
        request = checked(req.body);
      } catch (err) {
        if (!(err instanceof BadPreview)) throw err;
        res.status(err.status).json({ error: 'invalid-request', field: err.field, message: err.message });
        return;
      }
      previewMapping(request)
        .then((result) => res.json(result))
        .catch((err: Error) => {
          const spec = err instanceof MappingSpecError;
          res
            .status(spec ? 422 : 500)
            .json({ error: spec ? 'invalid-mapping' : 'preview-failed', message: err.message });
        });
    },
    // express.json's own failures: a body too large or not JSON get the same JSON shape.
    (err: Error & { status?: number; type?: string }, _req: Request, res: Response, next: NextFunction) => {
      if (err.type === 'entity.too.large') tooLarge(res);
      else if (err.type === 'entity.parse.failed') {
        res.status(400).json({ error: 'invalid-json', message: `body is not valid JSON: ${err.message}` });
      } else next(err);
    },
  );
}
