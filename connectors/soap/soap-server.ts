import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import {
  charsetOf,
  clientFault,
  elementToJson,
  parseEnvelope,
  SOAP11_ENV_NS,
  SOAP12_ENV_NS,
  SoapFaultError,
} from './envelope';
import { faultHttpStatus, renderFault, soapContentType } from './fault';
import { declaredFault, invalidReplyFault, tryRenderResponse } from './serialize';
import type { OperationDef, SoapCall, SoapFaultInfo, SoapReply, SoapVersion, WsdlDefinition } from './types';
import { decodeElement, VALUE_KEY } from './xsd/decode';
import { UsernameTokenVerifier, WSSE_NS, WsSecurityError, type WsSecurityOptions } from './ws-security';
import { withTimeout } from '../../formats/with-timeout';
import { escapeXml } from '../../formats/xml/xml-escape';
import type { XmlElement } from '../../formats/xml/xml-tree';

export type SoapHandler = (call: SoapCall) => Promise<SoapReply>;

export interface ServiceOptions {
  /** largest accepted request body; default 1 MiB */
  maxBytes?: number;
  /** how long the handler may take before the client gets a server fault; default 30 s */
  timeoutMs?: number;
  /** when set, every call must carry a valid WS-Security UsernameToken */
  security?: WsSecurityOptions;
}

export interface SoapServerOptions {
  /** where the glue mounts handle(); used for ?wsdl address rewriting and full-path requests */
  mountPath?: string;
  /** told about handler failures, which reach the client only as a generic server fault */
  onError?: (err: unknown, context: { service: string; operation?: string; callId?: string }) => void;
  /**
   * Why no service can answer now (e.g. "the hub is stopping"), or undefined when the registered
   * services are all there are. Asked only for a service that is not registered: while flows stop or
   * start a service may be missing only for the moment, and the caller is told to try again.
   */
  notServing?: () => string | undefined;
}

export interface ServiceStats {
  name: string;
  serviceName: string;
  operations: string[];
  /** operations the WSDL has but the hub does not serve, with the reason */
  refused: { name: string; reason: string }[];
  versions: SoapVersion[];
  calls: number;
  clientFaults: number;
  serverFaults: number;
  /** client faults caused by a missing or invalid WS-Security token (included in clientFaults) */
  securityFaults: number;
  /** whether calls must carry a WS-Security UsernameToken */
  secured: boolean;
}

/** Calls and faults of one operation of a service; `unknown` for faults before an operation was read. */
export interface OperationCounts {
  service: string;
  operation: string;
  calls: number;
  clientFaults: number;
  serverFaults: number;
}

/** How far a call got: the version to answer a fault in, and the operation once it is known. */
interface Progress {
  version: SoapVersion;
  operation?: string;
}

interface Service {
  name: string;
  def: WsdlDefinition;
  handler: SoapHandler;
  maxBytes: number;
  timeoutMs: number;
  verifier?: UsernameTokenVerifier;
  byElement: Map<string, OperationDef[]>;
  wsdlByBase: Map<string, string>;
  stats: ServiceStats;
}

const DEFAULT_MAX_BYTES = 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 30_000;
/** rewritten WSDLs kept per service; Host headers are client-controlled, so the cache is bounded */
const WSDL_CACHE_LIMIT = 8;
const HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;
/** schemaLocation= of xsd:import/include and location= of wsdl:import */
const IMPORT_LOCATION = /(\b(?:schemaLocation|location)\s*=\s*)(["'])([^"']*)\2/g;
const ADDRESS_LOCATION = /(<(?:[A-Za-z_][\w.-]*:)?address\b[^>]*?\blocation\s*=\s*)(["'])[^"']*\2/g;

class TimeoutError extends Error {}
class PayloadTooLarge extends Error {}
/** the client fault for a body too large to read: the connection closes after it, as the body is unread */
class BodyLeftUnread extends SoapFaultError {}

/**
 * How much of an oversize body is read and dropped before the 413: a client still sending when the
 * connection closes sees a reset instead of the fault, so a body up to this size is read to its end.
 * Past it, the 413 goes at once and the connection closes.
 */
function drainLimit(maxBytes: number): number {
  return Math.max(4 * maxBytes, 8 * 1024 * 1024);
}

function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > drainLimit(maxBytes))
    return Promise.reject(new PayloadTooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let tooLarge = false;
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    const onData = (chunk: Buffer): void => {
      total += chunk.length;
      if (total > maxBytes && !tooLarge) {
        tooLarge = true;
        chunks.length = 0;
      }
      if (tooLarge && total > drainLimit(maxBytes)) {
        // Past what is worth reading: the 413 now; Node closes the connection after it.
        cleanup();
        req.pause();
        reject(new PayloadTooLarge());
        return;
      }
      if (!tooLarge) chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      if (tooLarge) reject(new PayloadTooLarge());
      else resolve(Buffer.concat(chunks, total));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

function header(req: IncomingMessage, name: string): string {
  const value = req.headers[name];
  return Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
}

/** SOAPAction (1.1, quoted on the wire) or the action parameter of the 1.2 media type. */
function requestedAction(req: IncomingMessage): string | undefined {
  const soapAction = req.headers.soapaction;
  if (typeof soapAction === 'string') return soapAction.trim().replace(/^"(.*)"$/, '$1');
  const match = /;\s*action\s*=\s*"?([^";]*)"?/i.exec(header(req, 'content-type'));
  return match ? match[1] : undefined;
}

/**
 * The media types a SOAP request may carry: SOAP 1.1's text/xml, SOAP 1.2's application/soap+xml, and
 * application/xml, which some legacy clients send for 1.1. None of them is one an HTML form or a
 * script without a CORS preflight can send, so another site's page cannot call the endpoint.
 */
const SOAP_MEDIA_TYPES = new Set(['text/xml', 'application/xml', 'application/soap+xml']);

/**
 * Why a request's Content-Type is refused, or undefined when it is a SOAP type or missing (old clients
 * send none, and no browser form leaves it out: it always sends one of the CORS-simple types).
 */
function refusedMediaType(contentType: string): string | undefined {
  const type = contentType.split(';', 1)[0].trim().toLowerCase();
  if (type === '' || SOAP_MEDIA_TYPES.has(type)) return undefined;
  return `Content-Type ${type} is not accepted: send text/xml (SOAP 1.1) or application/soap+xml (SOAP 1.2)`;
}

/** A call a SOAP client made: a SOAP media type or a SOAPAction header. */
function soapRequest(req: IncomingMessage): boolean {
  if (req.headers.soapaction !== undefined) return true;
  const type = header(req, 'content-type').split(';', 1)[0].trim().toLowerCase();
  return SOAP_MEDIA_TYPES.has(type);
}

/**
 * Our own small SOAP endpoint: one instance serves every registered service under a mount point
 * (e.g. /soap). It reads and limits the body itself, refuses DTDs before parsing, validates
 * against the WSDL and always answers, whatever the handler does.
 */
export class SoapServer {
  private readonly services = new Map<string, Service>();
  /** per service and operation since the server started; kept across a redeploy, so never a reset */
  private readonly operations = new Map<string, OperationCounts>();
  private readonly mountPath: string;

  constructor(private readonly options: SoapServerOptions = {}) {
    this.mountPath = (options.mountPath ?? '/soap').replace(/\/+$/, '');
  }

  addService(name: string, def: WsdlDefinition, handler: SoapHandler, options: ServiceOptions = {}): void {
    if (!/^[A-Za-z0-9._~-]+$/.test(name)) {
      throw new Error(`invalid SOAP service name '${name}': use letters, digits, '.', '_', '~' or '-'`);
    }
    if (this.services.has(name)) throw new Error(`SOAP service '${name}' is already registered`);
    const byElement = new Map<string, OperationDef[]>();
    for (const op of def.operations.values()) {
      const k = `{${op.input.namespace}}${op.input.element}`;
      byElement.set(k, [...(byElement.get(k) ?? []), op]);
    }
    this.services.set(name, {
      name,
      def,
      handler,
      maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES,
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      ...(options.security ? { verifier: new UsernameTokenVerifier(options.security) } : {}),
      byElement,
      wsdlByBase: new Map(),
      stats: {
        name,
        serviceName: def.serviceName,
        operations: [...def.operations.keys()],
        refused: def.refused.map((r) => ({ ...r })),
        versions: [...def.versions],
        calls: 0,
        clientFaults: 0,
        serverFaults: 0,
        securityFaults: 0,
        secured: options.security !== undefined,
      },
    });
  }

  /** Calls and faults per service and operation (GET /metrics reads them). */
  operationCounts(): OperationCounts[] {
    return [...this.operations.values()].map((counts) => ({ ...counts }));
  }

  private countsOf(service: string, operation = 'unknown'): OperationCounts {
    const key = `${service}\u0000${operation}`;
    let counts = this.operations.get(key);
    if (!counts) {
      counts = { service, operation, calls: 0, clientFaults: 0, serverFaults: 0 };
      this.operations.set(key, counts);
    }
    return counts;
  }

  removeService(name: string): boolean {
    return this.services.delete(name);
  }

  listServices(): ServiceStats[] {
    return [...this.services.values()].map((s) => ({
      ...s.stats,
      operations: [...s.stats.operations],
      refused: s.stats.refused.map((r) => ({ ...r })),
    }));
  }

  /**
   * Never rejects: every failure becomes an HTTP answer. `headers` (names and values, flat) go first in
   * every answer: what the way to the endpoint would have set, written with the endpoint's own in one go.
   */
  async handle(req: IncomingMessage, res: ServerResponse, headers: readonly string[] = []): Promise<void> {
    let service: Service | undefined;
    const progress: Progress = {
      version: /application\/soap\+xml/i.test(header(req, 'content-type')) ? '1.2' : '1.1',
    };
    try {
      // a split, not new URL(): this runs on every call, and only ?wsdl and ?xsd= need the query parsed
      const raw = req.url ?? '/';
      const mark = raw.indexOf('?');
      let path = mark < 0 ? raw : raw.slice(0, mark);
      const query = mark < 0 ? undefined : new URLSearchParams(raw.slice(mark + 1));
      if (this.mountPath && (path === this.mountPath || path.startsWith(`${this.mountPath}/`))) {
        path = path.slice(this.mountPath.length);
      }
      const name = safeDecode(path.replace(/^\/+|\/+$/g, ''));
      service = this.services.get(name);
      if (!service) {
        const why = this.options.notServing?.();
        const missing = `no SOAP service '${name}' is registered at ${this.mountPath}/${name}`;
        // A SOAP client reads faults, not JSON: a call answered as SOAP, anything else as before.
        if (req.method === 'POST' && (why !== undefined || soapRequest(req))) {
          throw why === undefined
            ? new SoapFaultError({ code: 'client', message: missing }, undefined, 404)
            : new SoapFaultError({ code: 'server', message: `${why}; try again` }, undefined, 503);
        }
        if (why === undefined) sendJson(res, headers, 404, { error: missing });
        else sendJson(res, headers, 503, { error: `${why}; try again` });
        return;
      }
      const wantsWsdl = query !== undefined && [...query.keys()].some((k) => k.toLowerCase() === 'wsdl');
      const document = query?.get('xsd') ?? null;
      if (req.method === 'GET' && (wantsWsdl || document !== null)) {
        this.sendWsdl(req, res, headers, service, document ?? '');
        return;
      }
      if (req.method !== 'POST') {
        sendJson(res, [...headers, 'Allow', 'GET, POST'], 405, {
          error: `method ${req.method} not allowed: POST a SOAP envelope, or GET ${this.mountPath}/${name}?wsdl`,
        });
        return;
      }
      await this.handlePost(req, res, headers, service, progress);
    } catch (err) {
      const fault =
        err instanceof SoapFaultError
          ? err
          : new SoapFaultError({ code: 'server', message: 'internal error in the SOAP endpoint' });
      if (!(err instanceof SoapFaultError)) this.options.onError?.(err, { service: service?.name ?? '' });
      if (service) {
        const code = fault.fault.code === 'server' ? 'serverFaults' : 'clientFaults';
        service.stats[code]++;
        this.countsOf(service.name, progress.operation)[code]++;
      }
      const head = err instanceof BodyLeftUnread ? [...headers, 'Connection', 'close'] : headers;
      const answered = fault.version ?? progress.version;
      sendFault(res, head, fault.fault, answered, fault.httpStatus ?? faultHttpStatus(fault.fault, answered));
    }
  }

  private async handlePost(
    req: IncomingMessage,
    res: ServerResponse,
    answerHeaders: readonly string[],
    service: Service,
    progress: Progress,
  ): Promise<void> {
    const charset = charsetOf(header(req, 'content-type'));
    let raw: Buffer;
    try {
      raw = await readBody(req, service.maxBytes);
    } catch (err) {
      if (err instanceof PayloadTooLarge) {
        throw new BodyLeftUnread(
          { code: 'client', message: `request body exceeds the limit of ${service.maxBytes} bytes` },
          undefined,
          413,
        );
      }
      throw clientFault('request body could not be read');
    }
    // after the body is read, so the client gets the fault rather than a reset while still sending
    const refused = refusedMediaType(header(req, 'content-type'));
    if (refused) throw new SoapFaultError({ code: 'client', message: refused }, undefined, 415);
    // a Latin code page is decoded as the charset or the XML declaration names it; bytes that are no
    // UTF-8 where UTF-8 is meant are a fault, never stored as U+FFFD
    const envelope = parseEnvelope(raw, { maxBytes: service.maxBytes, ...(charset ? { charset } : {}) });
    progress.version = envelope.version;
    if (!service.def.versions.includes(envelope.version)) {
      throw clientFault(
        `SOAP ${envelope.version} is not offered by service '${service.name}'`,
        envelope.version,
      );
    }
    // Authenticate before anything else, so strangers learn nothing about operations or validation.
    const principal = service.verifier
      ? authenticate(service.verifier, service.stats, envelope.headerElement, envelope.version)
      : undefined;
    const op = this.findOperation(
      service,
      envelope.operationElement,
      envelope.namespace,
      requestedAction(req),
    );
    progress.operation = op.name;
    this.countsOf(service.name, op.name).calls++;
    const notUnderstood = headersNotUnderstood(envelope.headerElement, envelope.version, op, service);
    if (notUnderstood.length > 0) {
      throw new SoapFaultError(
        {
          code: 'must-understand',
          message: `header ${notUnderstood.map((h) => `{${h.ns}}${h.local}`).join(', ')} is marked mustUnderstand, and the hub does not process it`,
        },
        envelope.version,
      );
    }
    const decoded = decodeElement(service.def.schemas, op.input.decl, envelope.operation);
    const errors = decoded.errors;
    const headers = decodeHeaders(service.def, op, envelope.headerElement, errors);
    if (errors.length > 0) {
      throw clientFault(`Invalid request: ${errors.map((e) => e.message).join('; ')}`, envelope.version, {
        field: errors[0].field,
        reason: errors[0].message,
      });
    }

    const call: SoapCall = {
      id: randomUUID(),
      service: service.name,
      operation: op.name,
      version: envelope.version,
      // a body element of simple type (document/literal "bare") reaches the flow as { $value }
      body: isRecord(decoded.value) ? decoded.value : { [VALUE_KEY]: decoded.value },
      headers,
      ...(principal ? { principal } : {}),
      remoteAddress: req.socket.remoteAddress,
    };
    const traceparent = header(req, 'traceparent');
    if (traceparent) call.traceparent = traceparent;
    service.stats.calls++;
    let reply: SoapReply;
    try {
      reply = await withTimeout(
        Promise.resolve().then(() => service.handler(call)),
        service.timeoutMs,
        () => new TimeoutError(),
      );
    } catch (err) {
      if (err instanceof TimeoutError) {
        throw new SoapFaultError(
          { code: 'server', message: `operation '${op.name}' timed out after ${service.timeoutMs} ms` },
          call.version,
        );
      }
      this.options.onError?.(err, { service: service.name, operation: op.name, callId: call.id });
      throw new SoapFaultError(
        { code: 'server', message: `internal error in operation '${op.name}'` },
        call.version,
      );
    }

    if (
      !reply ||
      typeof reply !== 'object' ||
      (reply.ok === true && (typeof reply.body !== 'object' || !reply.body))
    ) {
      throw new SoapFaultError(
        { code: 'server', message: `operation '${op.name}' produced no reply body` },
        call.version,
      );
    }
    if (!reply.ok) {
      throw new SoapFaultError(declaredFault(service.def, op, reply.fault), call.version);
    }
    const rendered = tryRenderResponse(service.def, op, reply.body, call.version);
    if (!rendered.ok) throw new SoapFaultError(invalidReplyFault(rendered.errors), call.version);
    if (res.destroyed || res.headersSent) return;
    send(res, answerHeaders, 200, soapContentType(call.version), rendered.xml);
  }

  private findOperation(
    service: Service,
    element: string,
    ns: string,
    action: string | undefined,
  ): OperationDef {
    const candidates = service.byElement.get(`{${ns}}${element}`) ?? [];
    const byAction = action
      ? [...service.def.operations.values()].find((op) => op.soapAction !== '' && op.soapAction === action)
      : undefined;
    if (candidates.length === 1) {
      // WS-I BP R2744: a gateway may allow or log by the action; one naming another operation than
      // the body's would let a write pass as a read
      // (a WSDL may give several operations one action: refused only when none of them is the body's)
      const named = action
        ? [...service.def.operations.values()].filter(
            (op) => op.soapAction !== '' && op.soapAction === action,
          )
        : [];
      if (byAction && !named.includes(candidates[0])) {
        throw clientFault(
          `SOAPAction '${action}' names operation '${byAction.name}', but the body holds <${element}> of operation '${candidates[0].name}'`,
        );
      }
      return candidates[0];
    }
    if (candidates.length > 1) {
      if (byAction && candidates.includes(byAction)) return byAction;
      throw clientFault(
        `element <${element}> is used by several operations (${candidates.map((c) => c.name).join(', ')}); ` +
          'send the SOAPAction to choose one',
      );
    }
    if (byAction) {
      throw clientFault(
        `body element {${ns}}${element} does not match operation '${byAction.name}' ` +
          `(expects {${byAction.input.namespace}}${byAction.input.element})`,
      );
    }
    const refused = service.def.refused.find((r) => r.name === element || r.name === action);
    if (refused) {
      throw clientFault(`operation '${refused.name}' is not served by this hub: ${refused.reason}`);
    }
    const sameName = [...service.def.operations.values()].find((op) => op.input.element === element);
    if (sameName) {
      throw clientFault(
        `element <${element}> must be in namespace '${sameName.input.namespace}', not '${ns || '(none)'}'`,
      );
    }
    throw clientFault(
      `unknown operation element <${element}> for service '${service.name}' ` +
        `(offered: ${[...service.def.operations.keys()].join(', ')})`,
    );
  }

  /** The WSDL at ?wsdl, and what it imports at ?xsd=<path>, with addresses and imports pointing here. */
  private sendWsdl(
    req: IncomingMessage,
    res: ServerResponse,
    headers: readonly string[],
    service: Service,
    path: string,
  ): void {
    const source =
      path === ''
        ? { text: service.def.text, references: service.def.references }
        : service.def.documents.get(path);
    if (!source) {
      sendJson(res, headers, 404, { error: `service '${service.name}' has no imported document '${path}'` });
      return;
    }
    const host = header(req, 'host');
    // A Host we cannot trust to be a plain host[:port] keeps the WSDL's own address.
    const base = HOST.test(host)
      ? `${(req.socket as Partial<TLSSocket>).encrypted ? 'https' : 'http'}://${host}${this.mountPath}/${service.name}`
      : '';
    const cacheKey = `${base} ${path}`;
    let text = service.wsdlByBase.get(cacheKey);
    if (text === undefined) {
      text = base
        ? source.text
            .replace(ADDRESS_LOCATION, `$1$2${escapeXml(base)}$2`)
            .replace(IMPORT_LOCATION, (whole, attr: string, quote: string, value: string) => {
              const target = source.references.get(value);
              return target === undefined
                ? whole
                : `${attr}${quote}${escapeXml(`${base}?xsd=${encodeURIComponent(target)}`)}${quote}`;
            })
        : source.text;
      if (service.wsdlByBase.size >= WSDL_CACHE_LIMIT) service.wsdlByBase.clear();
      service.wsdlByBase.set(cacheKey, text);
    }
    send(res, headers, 200, 'text/xml; charset=utf-8', text);
  }
}

function authenticate(
  verifier: UsernameTokenVerifier,
  stats: ServiceStats,
  header: XmlElement | undefined,
  version: SoapVersion,
): string {
  try {
    return verifier.verify(header).username;
  } catch (err) {
    if (!(err instanceof WsSecurityError)) throw err;
    stats.securityFaults++;
    throw clientFault(err.message, version, { securityFault: `wsse:${err.code}` });
  }
}

/**
 * SOAP header entries by local name: the ones the binding declares are decoded and checked against
 * their schema, others pass as they came. Credentials never travel on to the flow.
 */
function decodeHeaders(
  def: WsdlDefinition,
  op: OperationDef,
  header: XmlElement | undefined,
  errors: { field: string; message: string }[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const entry of header?.children ?? []) {
    if (entry.ns === WSSE_NS && entry.local === 'Security') continue;
    const declared = op.headers.get(entry.local);
    let value: unknown;
    if (declared && declared.namespace === entry.ns) {
      const decoded = decodeElement(def.schemas, declared.decl, entry);
      for (const e of decoded.errors) {
        const field = `(header ${entry.local})${e.field === '(body)' ? '' : `.${e.field}`}`;
        errors.push({ field, message: e.message.replace(`field '${e.field}'`, `field '${field}'`) });
      }
      value = decoded.value;
    } else value = elementToJson(entry);
    const existing = out[entry.local];
    out[entry.local] =
      existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return out;
}

const SOAP11_NEXT = 'http://schemas.xmlsoap.org/soap/actor/next';
const SOAP12_NEXT = 'http://www.w3.org/2003/05/soap-envelope/role/next';
const SOAP12_ULTIMATE = 'http://www.w3.org/2003/05/soap-envelope/role/ultimateReceiver';

/**
 * The header blocks addressed to the hub and marked mustUnderstand that it does not process: the
 * operation's WSDL headers and, where the service checks tokens, WS-Security are processed; a
 * transaction context or a security header of a service that checks none is not, and SOAP 1.1 §4.2.3
 * and SOAP 1.2 part 1 §5.2.3 forbid acting on the body as if it were not there.
 */
function headersNotUnderstood(
  header: XmlElement | undefined,
  version: SoapVersion,
  op: OperationDef,
  service: Service,
): XmlElement[] {
  const envNs = version === '1.2' ? SOAP12_ENV_NS : SOAP11_ENV_NS;
  const out: XmlElement[] = [];
  for (const block of header?.children ?? []) {
    const mark = envelopeAttr(block, envNs, 'mustUnderstand');
    if (mark !== '1' && mark !== 'true') continue;
    const target = envelopeAttr(block, envNs, version === '1.2' ? 'role' : 'actor');
    const forUs =
      target === undefined ||
      (version === '1.2' ? target === SOAP12_NEXT || target === SOAP12_ULTIMATE : target === SOAP11_NEXT);
    if (!forUs) continue;
    if (block.ns === WSSE_NS && block.local === 'Security' && service.verifier) continue;
    if (op.headers.get(block.local)?.namespace === block.ns) continue;
    out.push(block);
  }
  return out;
}

/** An attribute in the envelope's namespace, by whichever prefix the request gave it. */
function envelopeAttr(element: XmlElement, envNs: string, local: string): string | undefined {
  for (const [name, value] of Object.entries(element.attrs)) {
    const colon = name.indexOf(':');
    if (colon > 0 && name.slice(colon + 1) === local && element.scope.get(name.slice(0, colon)) === envNs) {
      return value.trim();
    }
  }
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function safeDecode(segment: string): string {
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function sendJson(res: ServerResponse, headers: readonly string[], status: number, body: unknown): void {
  if (res.headersSent || res.destroyed) return;
  send(res, headers, status, 'application/json; charset=utf-8', JSON.stringify(body));
}

function sendFault(
  res: ServerResponse,
  headers: readonly string[],
  fault: SoapFaultInfo,
  version: SoapVersion,
  status: number,
): void {
  if (res.headersSent || res.destroyed) return;
  send(res, headers, status, soapContentType(version), renderFault(fault, version));
}

/**
 * One answer, its headers a flat list of names and values: Node writes such a list as it is, with no
 * object to build and walk. Headers set on `res` before (on the way here) stay first, as with an object.
 * The body goes as a string: Node then sends it in one write with the head, where a Buffer takes a
 * writev of two.
 */
function send(
  res: ServerResponse,
  headers: readonly string[],
  status: number,
  contentType: string,
  text: string,
): void {
  const length = String(Buffer.byteLength(text, 'utf8'));
  res.writeHead(status, [...headers, 'Content-Type', contentType, 'Content-Length', length]);
  res.end(text, 'utf8');
}
