import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import type { RawHandler } from '../api/fast-path';
import { METRICS_CONTENT_TYPE, type HubMetrics } from './hub-metrics';

/**
 * GET /metrics, GET /livez, and the REST API's request counts. /readyz is /healthz's handler
 * (app/api/hub-api.ts createHealthHandler): ready means what /healthz has always decided.
 */

export function createMetricsHandler(metrics: Pick<HubMetrics, 'text'>) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    metrics.text().then((text) => {
      // written as is: express's send would move the charset ahead of the version
      res.writeHead(200, {
        'Content-Type': METRICS_CONTENT_TYPE,
        'Content-Length': Buffer.byteLength(text),
        'Cache-Control': 'no-store',
      });
      res.end(text);
    }, next);
  };
}

/**
 * Liveness: the process runs, its HTTP server answers, and its event loop turned to answer (a blocked
 * loop answers nothing, and the probe's timeout fails it). No dependency is asked: a broker or database
 * away is no reason to restart the hub, which reconnects by itself.
 */
export function createLivenessHandler() {
  return (_req: Request, res: Response): void => {
    res
      .status(200)
      .set('Cache-Control', 'no-store')
      .json({ status: 'ok', uptimeSeconds: Math.round(process.uptime()) });
  };
}

const API_PREFIX = '/api/v1/';
/** the one REST resource answered ahead of express's routes (app/api/next-best-offer-fast-path.ts) */
const NEXT_BEST_OFFER = /^\/api\/v1\/customers\/[^/?]+\/next-best-offer(?:[?]|$)/;

interface Routed {
  baseUrl?: string;
  route?: { path?: unknown };
}

/**
 * Counts each answered REST API request by its route template (`/api/v1/customers/:id`), method and
 * status class: the template, never the path, so no customer id becomes a label. A request no route
 * took (a 404, a refusal ahead of the routes) counts as `unmatched`.
 */
export function countApiRequests(metrics: Pick<HubMetrics, 'httpRequest'>): RawHandler {
  return (req, res, next) => {
    const url = req.url ?? '';
    if (url.startsWith(API_PREFIX)) res.once('finish', () => count(metrics, req, res, url));
    next();
  };
}

function count(
  metrics: Pick<HubMetrics, 'httpRequest'>,
  req: IncomingMessage & Routed,
  res: ServerResponse,
  url: string,
): void {
  const path = req.route?.path;
  const route =
    typeof path === 'string'
      ? `${req.baseUrl ?? ''}${path}`
      : NEXT_BEST_OFFER.test(url)
        ? '/api/v1/customers/:id/next-best-offer'
        : 'unmatched';
  metrics.httpRequest(route, req.method ?? 'GET', res.statusCode);
}
