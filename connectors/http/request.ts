import { RestCallError } from './errors';

/**
 * Building one HTTP request from fixed configuration and a message's values, without templates: a path
 * has `{name}` placeholders filled from params (URL-encoded, so a value can never add a path segment or a
 * query), headers merge case-insensitively, and the body is JSON.
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export const HTTP_METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

export type Headers = Record<string, string>;

const PLACEHOLDER = /\{([A-Za-z_][\w.-]*)\}/g;

/** The placeholders of a path, e.g. ['to'] for /sms/{to}. */
export function pathParameters(path: string): string[] {
  return [...path.matchAll(PLACEHOLDER)].map((m) => m[1]);
}

/** Checks a configured path once, at deploy: relative to the base URL, no scheme or host of its own. */
export function checkPath(path: string): void {
  if (/^[a-z][a-z0-9+.-]*:/i.test(path) || path.startsWith('//'))
    throw new Error(`path "${path}" must be relative to the base URL (no scheme or host)`);
  const stray = path.replace(PLACEHOLDER, '');
  if (/[{}]/.test(stray))
    throw new Error(`path "${path}": a placeholder is {name} (letters, digits, _ . -), nothing else`);
}

/** /sms/{to} with { to: '+49 170' } → /sms/%2B49%20170; a missing parameter is a request error. */
export function fillPath(path: string, params: unknown): string {
  const values = params && typeof params === 'object' ? (params as Record<string, unknown>) : {};
  return path.replace(PLACEHOLDER, (_, name: string) => {
    const value = Object.hasOwn(values, name) ? values[name] : undefined;
    if (value === undefined || value === null || (typeof value === 'object' && !(value instanceof Date)))
      throw new RestCallError(
        `path parameter {${name}} is missing in msg.params (or not a string or number)`,
        'request',
        false,
      );
    const text = value instanceof Date ? value.toISOString() : String(value);
    return encodeURIComponent(text);
  });
}

/** The base URL and a relative path, with exactly one slash between them. */
export function joinUrl(baseUrl: string, path: string): string {
  if (!path) return baseUrl;
  if (path.startsWith('?')) return `${baseUrl.replace(/\/+$/, '')}${path}`;
  return `${baseUrl.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

/** A base URL must be absolute http(s), without credentials in it (they belong in the credentials). */
export function checkBaseUrl(baseUrl: string): string {
  const trimmed = baseUrl.trim();
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    throw new Error(`base URL "${trimmed}" is not an absolute URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`base URL "${trimmed}" must be http or https`);
  if (url.username || url.password)
    throw new Error('base URL must not contain a user or password: use the authentication settings');
  return trimmed;
}

/**
 * Headers a message must not set: the transport computes them, or only an answer has them. msg.headers
 * often still holds those of an earlier HTTP answer or request (http-in, another rest-request).
 */
const NOT_FROM_MESSAGE = new Set([
  'date',
  'server',
  'etag',
  'last-modified',
  'vary',
  'age',
  'retry-after',
  'www-authenticate',
  'location',
  'host',
  'content-length',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'proxy-authorization',
  'proxy-connection',
  'expect',
  'cookie',
  'set-cookie',
  'content-encoding',
]);

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function headerValue(name: string, value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const text = Array.isArray(value) ? value.join(', ') : String(value);
  if (/[\r\n\0]/.test(text))
    throw new RestCallError(`header ${name}: the value contains a line break`, 'request', false);
  return text;
}

/**
 * Header layers merged in order, later ones winning, names compared case-insensitively; the first
 * layer's spelling of a name is kept. `fromMessage` layers lose the headers of NOT_FROM_MESSAGE.
 */
export function mergeHeaders(...layers: { headers: unknown; fromMessage?: boolean }[]): Headers {
  const byLower = new Map<string, [string, string]>();
  for (const layer of layers) {
    if (!layer.headers || typeof layer.headers !== 'object') continue;
    for (const [name, raw] of Object.entries(layer.headers as Record<string, unknown>)) {
      const lower = name.toLowerCase();
      if (layer.fromMessage && NOT_FROM_MESSAGE.has(lower)) continue;
      if (!TOKEN.test(name))
        throw new RestCallError(`"${name}" is not a valid header name`, 'request', false);
      const value = headerValue(name, raw);
      if (value === undefined) continue;
      const spelled = byLower.get(lower)?.[0] ?? name;
      byLower.set(lower, [spelled, value]);
    }
  }
  return Object.fromEntries(byLower.values());
}

/** `Name: value` lines (the rest-client's default headers); blank lines and # comments are skipped. */
export function parseHeaderLines(text: string): Headers {
  const headers: Headers = {};
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon).trim() : '';
    if (!name || !TOKEN.test(name))
      throw new Error(`default headers, line ${index + 1}: "${line}" is not "Name: value"`);
    headers[name] = line.slice(colon + 1).trim();
  }
  return headers;
}

export interface EncodedBody {
  data: Buffer | string;
  contentType: string;
  bytes: number;
}

/**
 * The request body: a Buffer or a string is sent as it is, anything else as JSON. undefined: no body.
 * Over maxBytes is a request error, before anything is sent.
 */
export function encodeBody(body: unknown, maxBytes: number): EncodedBody | undefined {
  if (body === undefined) return undefined;
  let encoded: EncodedBody;
  if (Buffer.isBuffer(body)) {
    encoded = { data: body, contentType: 'application/octet-stream', bytes: body.length };
  } else if (typeof body === 'string') {
    encoded = { data: body, contentType: 'text/plain; charset=utf-8', bytes: Buffer.byteLength(body) };
  } else {
    let json: string | undefined;
    try {
      json = JSON.stringify(body);
    } catch (err) {
      throw new RestCallError(
        `msg.payload cannot be sent as JSON: ${(err as Error).message}`,
        'request',
        false,
      );
    }
    if (json === undefined) return undefined;
    encoded = { data: json, contentType: 'application/json', bytes: Buffer.byteLength(json) };
  }
  if (encoded.bytes > maxBytes)
    throw new RestCallError(
      `request body of ${encoded.bytes} bytes is over the limit of ${maxBytes} bytes`,
      'request',
      false,
    );
  return encoded;
}

function charsetOf(contentType: string): string {
  const charset = /charset\s*=\s*"?([^";\s]+)/i.exec(contentType)?.[1] ?? 'utf-8';
  try {
    return new TextDecoder(charset).encoding;
  } catch {
    return 'utf-8';
  }
}

/**
 * The answer's body: JSON (application/json or any +json type) parsed, other text as a string, and
 * nothing (an empty body, e.g. 204) as null. JSON that does not parse throws (kind response).
 */
export function decodeBody(data: Buffer, contentType: string | undefined): unknown {
  if (data.length === 0) return null;
  const type = (contentType ?? '').toLowerCase();
  const text = new TextDecoder(charsetOf(type)).decode(data);
  if (!/^[^;]*[/+]json\s*(;|$)/.test(type)) {
    if (/^(application\/octet-stream|image\/|audio\/|video\/)/.test(type)) return data;
    return text;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new RestCallError(`the answer is not valid JSON: ${(err as Error).message}`, 'response', false, {
      body: text.slice(0, 1000),
    });
  }
}
