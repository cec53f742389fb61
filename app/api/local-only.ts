import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * What a part of the hub without credentials of its own serves: browsers and programs on this machine
 * only, never a page of another site. Shared by the policy console (without console users), the REST
 * and SOAP endpoints (without httpNodeAuth, nodes/shared/mount.ts) and the editor's admin API (without
 * adminAuth, settings.js).
 */

const LOOPBACK_ADDRESSES = new Set(['127.0.0.1', '::1']);
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
const PROXY_HEADERS = ['forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-real-ip'];
const READS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** the types an HTML form (or a script, without a CORS preflight) sends to another site */
const FORM_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);
/** the console and the hub's endpoints (in any spelling express routes to them) keep rules of their own */
const OWN_RULES = /^\/(?:console|soap|api\/v1|healthz|readyz|livez|metrics)(?:[/?]|$)/i;
/**
 * The editor's page and Node-RED's admin API (editor-api, and the admin routes of the core nodes and
 * of CRM Hub's): with the admin and node roots both at /, every request passes the admin app first, so
 * only these are judged as the editor's; a flow's own `http in` endpoints keep what their flow does.
 */
const ADMIN_PATH =
  /^\/(?:$|[?#]|(?:auth|settings|plugins|nodes|flows?|library|credentials|context|diagnostics|comms|icons|locales|theme|red|vendor|core|types|debug|inject|projects|crm-hub|favicon\.ico)(?:[/?#]|$))/i;

/**
 * A client on this machine: the socket's own address (not req.ip, which a `trust proxy` setting would
 * take from X-Forwarded-For), no sign of a proxy in between (a reverse proxy on this machine connects
 * from loopback for every client), and a loopback Host (a page under a rebound host name sends its own).
 */
export function isLoopbackRequest(req: IncomingMessage): boolean {
  const raw = req.socket?.remoteAddress ?? '';
  const address = raw.startsWith('::ffff:') ? raw.slice('::ffff:'.length) : raw;
  const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
  const proxied = PROXY_HEADERS.some((name) => req.headers[name] !== undefined);
  return !proxied && LOOPBACK_ADDRESSES.has(address) && LOOPBACK_HOSTS.has(host);
}

/**
 * The Origin a browser sent when it is not the hub's own (the scheme and the Host the request came
 * to), `null` included: a page of another site, or a file, at work. Undefined when there is none or it
 * is the hub's.
 */
export function foreignOrigin(req: IncomingMessage): string | undefined {
  const origin = req.headers.origin;
  if (origin === undefined) return undefined;
  const host = (req.headers.host ?? '').toLowerCase();
  try {
    const url = new URL(origin);
    // URL drops a default port, which a Host header may still carry
    const own = url.host === host || `${url.host}:${url.protocol === 'https:' ? 443 : 80}` === host;
    if ((url.protocol === 'http:' || url.protocol === 'https:') && own) return undefined;
  } catch {
    // `null` and anything else no URL: no origin of the hub's
  }
  return origin;
}

export function isWrite(method: string | undefined): boolean {
  return !READS.has((method ?? 'GET').toUpperCase());
}

/** Whether a request names a type an HTML form sends (the header itself, body or not). */
export function hasFormType(req: IncomingMessage): boolean {
  const type = (req.headers['content-type'] ?? '').split(';', 1)[0].trim().toLowerCase();
  return FORM_TYPES.has(type);
}

export interface LocalOnlyRefusal {
  status: 403 | 415;
  code: 'loopback-only' | 'cross-origin' | 'unsupported-media-type';
  message: string;
}

/**
 * Why a request to a part without credentials is refused, or undefined: from beyond this machine (or
 * through a proxy, or under a host name that is not loopback), or a write a page of another site sent.
 * `what` names the part, `configure` what gives it credentials.
 */
export function localOnlyRefusal(
  req: IncomingMessage,
  what: string,
  configure: string,
): LocalOnlyRefusal | undefined {
  if (!isLoopbackRequest(req)) {
    return {
      status: 403,
      code: 'loopback-only',
      message:
        `${what} has no credentials, so it serves only clients on this machine that call ` +
        `http://127.0.0.1 or http://localhost directly (no proxy); to serve others, set ${configure}`,
    };
  }
  const origin = isWrite(req.method) ? foreignOrigin(req) : undefined;
  if (origin !== undefined) {
    return {
      status: 403,
      code: 'cross-origin',
      message:
        `${what} has no credentials, so it takes no write from a page of another site ` +
        `(Origin ${origin}); to call it from another site's page, set ${configure} and call it ` +
        "through that site's backend",
    };
  }
  return undefined;
}

/** Answers a refusal as the REST API answers its errors (app/api/api-error.ts). */
export function sendJsonRefusal(
  res: ServerResponse,
  refusal: Pick<LocalOnlyRefusal, 'message'> & { status: number; code: string },
): void {
  const body = JSON.stringify({ error: refusal.code, message: refusal.message });
  res.writeHead(refusal.status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(body);
}

/**
 * For settings.js's httpAdminMiddleware while the editor has no adminAuth: the editor and its admin
 * API serve this machine only, take no write a page of another site sent, and no write of a form's
 * type unless the editor's own page sent it (its debug sidebar posts a form to /debug/enable; a
 * browser names the page's origin on every POST, PUT and DELETE). Other paths (ADMIN_PATH) pass.
 */
export function adminLocalOnly(
  req: IncomingMessage,
  res: ServerResponse,
  next: (err?: unknown) => void,
): void {
  const url = req.url ?? '';
  if (OWN_RULES.test(url) || !ADMIN_PATH.test(url)) return next();
  const refusal =
    localOnlyRefusal(
      req,
      "the editor's admin API",
      'CRM_HUB_ADMIN_USER and CRM_HUB_ADMIN_PASSWORD (settings.js adminAuth)',
    ) ??
    (isWrite(req.method) && hasFormType(req) && req.headers.origin === undefined
      ? ({
          status: 415,
          code: 'unsupported-media-type',
          message: 'send the body as application/json',
        } as const)
      : undefined);
  if (refusal) return sendJsonRefusal(res, refusal);
  next();
}
