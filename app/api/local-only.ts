import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { RawHandler } from './fast-path';

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
 * only these are judged as the editor's; a flow's own endpoints have a rule of their own
 * (flowEndpointRefusal).
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
  const proxied = PROXY_HEADERS.some((name) => req.headers[name] !== undefined);
  return !proxied && LOOPBACK_ADDRESSES.has(address) && hasLoopbackHost(req);
}

/** The Host a request came to is a loopback name: a page under a rebound host name sends its own. */
export function hasLoopbackHost(req: IncomingMessage): boolean {
  return LOOPBACK_HOSTS.has((req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase());
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
 * API serve this machine only, no page of another site (reads included, and without the CORS header
 * the editor's app adds to every answer), and no write of a form's type unless the editor's own page
 * sent it (its debug sidebar posts a form to /debug/enable; a browser names the page's origin on every
 * POST, PUT and DELETE). Other paths (ADMIN_PATH) pass.
 */
export function adminLocalOnly(
  req: IncomingMessage,
  res: ServerResponse,
  next: (err?: unknown) => void,
): void {
  const url = req.url ?? '';
  if (OWN_RULES.test(url) || !ADMIN_PATH.test(url)) return next();
  const refusal =
    editorRefusal(req) ??
    (isWrite(req.method) && hasFormType(req) && req.headers.origin === undefined
      ? ({
          status: 415,
          code: 'unsupported-media-type',
          message: 'send the body as application/json',
        } as const)
      : undefined);
  withoutCorsHeaders(res);
  if (refusal) return sendJsonRefusal(res, refusal);
  next();
}

const EDITOR = "the editor's admin API";
const EDITOR_CREDENTIALS = 'CRM_HUB_ADMIN_USER and CRM_HUB_ADMIN_PASSWORD (settings.js adminAuth)';

/**
 * The editor without adminAuth serves no page of another site at all, reads and its WebSocket
 * included: its answers (flows, diagnostics, policies) and its debug stream carry customer data.
 */
function editorRefusal(req: IncomingMessage): LocalOnlyRefusal | undefined {
  const refusal = localOnlyRefusal(req, EDITOR, EDITOR_CREDENTIALS);
  if (refusal) return refusal;
  const origin = foreignOrigin(req);
  if (origin === undefined) return undefined;
  return {
    status: 403,
    code: 'cross-origin',
    message:
      `${EDITOR} has no credentials, so it serves no page of another site (Origin ${origin}); ` +
      `to use it from elsewhere, set ${EDITOR_CREDENTIALS}`,
  };
}

/**
 * A flow's own endpoints (`http in`, `websocket in`) without httpNodeAuth: served under a loopback
 * host name only (the hub listens on loopback without credentials, so a page under a rebound name is
 * the only other way in), and to no page of another site unless settings give them CORS of their own.
 * A proxy on this machine may still call them, as webhooks come that way.
 */
function flowEndpointRefusal(req: IncomingMessage, flowCors: boolean): LocalOnlyRefusal | undefined {
  const configure = 'CRM_HUB_API_USER and CRM_HUB_API_PASSWORD (settings.js httpNodeAuth)';
  if (!hasLoopbackHost(req)) {
    return {
      status: 403,
      code: 'loopback-only',
      message:
        `the flows' own endpoints have no credentials, so they answer only under the host names ` +
        `127.0.0.1, localhost and [::1]; to serve others, set ${configure}`,
    };
  }
  const origin = flowCors ? undefined : foreignOrigin(req);
  if (origin === undefined) return undefined;
  return {
    status: 403,
    code: 'cross-origin',
    message:
      `the flows' own endpoints have no credentials, so they serve no page of another site ` +
      `(Origin ${origin}); to call them from one, set ${configure} and call them through that site's backend`,
  };
}

/** Which parts of the hub have no credentials, so that their local-only rules apply. */
export interface LocalOnlyParts {
  /** no adminAuth: the editor, its admin API and its WebSocket (/comms) */
  editor: boolean;
  /** no httpNodeAuth: the flows' `http in` and `websocket in` endpoints */
  flows: boolean;
  /** settings give the flows' endpoints CORS of their own (httpNodeCors): another site may call them */
  flowCors: boolean;
}

function refusalFor(req: IncomingMessage, parts: LocalOnlyParts): LocalOnlyRefusal | undefined {
  const url = req.url ?? '';
  if (OWN_RULES.test(url)) return undefined;
  if (ADMIN_PATH.test(url)) return parts.editor ? editorRefusal(req) : undefined;
  return parts.flows ? flowEndpointRefusal(req, parts.flowCors) : undefined;
}

/**
 * First in the Node-RED server's stack (with the editor and the node endpoints both at /), ahead of
 * the editor's CORS handler, which answers every request with `Access-Control-Allow-Origin: *` and
 * ends every preflight with "allowed": the editor's and the flows' paths without credentials answer
 * no page of another site and no rebound host name, and carry no CORS header. The console and the
 * hub's endpoints keep their own rules (app/api/cross-origin.ts).
 */
export function localOnlyPages(parts: LocalOnlyParts): RawHandler {
  return (req, res, next) => {
    const url = req.url ?? '';
    if (OWN_RULES.test(url)) return next();
    const editor = ADMIN_PATH.test(url);
    if (editor ? !parts.editor : !parts.flows) return next();
    const refusal = refusalFor(req, parts);
    if (refusal) return sendJsonRefusal(res, refusal);
    if (editor || !parts.flowCors) withoutCorsHeaders(res);
    next();
  };
}

/** What a refused upgrade's path becomes: no listener after this one (Node-RED's comms, a websocket node) matches it. */
const REFUSED_UPGRADE = '/ refused-upgrade';

/**
 * The same rules for WebSocket upgrades, which no express middleware sees: Node-RED's editor streams
 * debug messages and every node's status on /comms, and a `websocket in` node listens on the server.
 * Put before their listeners (prependListener), it answers a refused upgrade itself and renames its
 * path so that they leave it alone.
 */
export function refuseForeignUpgrades(req: IncomingMessage, socket: Duplex, parts: LocalOnlyParts): boolean {
  const refusal = refusalFor(req, parts);
  if (!refusal) return false;
  req.url = REFUSED_UPGRADE;
  const body = JSON.stringify({ error: refusal.code, message: refusal.message });
  socket.end(
    `HTTP/1.1 ${refusal.status} ${STATUS_CODES[refusal.status] ?? ''}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
  return true;
}

const CORS_HEADER = /^access-control-/i;

/** Keeps every CORS header off an answer: those the editor's handler set before, and any set later. */
function withoutCorsHeaders(res: ServerResponse): void {
  for (const name of res.getHeaderNames()) if (CORS_HEADER.test(name)) res.removeHeader(name);
  const setHeader = res.setHeader;
  res.setHeader = function (this: ServerResponse, name: string, value: number | string | readonly string[]) {
    return CORS_HEADER.test(name) ? this : setHeader.call(this, name, value);
  };
}
