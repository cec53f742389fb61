import https from 'node:https';
import { randomUUID } from 'node:crypto';
import * as soap from 'soap';
import {
  ANSWER_CHECK,
  CheckedHttpClient,
  expectationOf,
  UnusableAnswerError,
  DEFAULT_MAX_ANSWER_BYTES,
  type AnswerCheck,
  type AnswerExpectation,
  type NodeSoapOutput,
} from './answer';
import { IDEMPOTENCY_HTTP_HEADER, messageIdFor, messageIdHeaderXml } from './idempotency';
import { fromNodeSoap, toNodeSoap } from './node-soap-shape';
import type { SoapVersion } from './types';
import { checkNoUserinfo, withoutUserinfo } from './userinfo';
import { localImportLocation } from './well-known';
import { portSoapVersions } from './wsdl';
import { childTraceparent, TRACEPARENT } from '../http/trace-context';
import {
  CircuitBreaker,
  CircuitOpenError,
  retry,
  type CircuitBreakerOptions,
  type RetryOptions,
} from '../resilience';

/**
 * Outbound SOAP on node-soap's client: the WSDL is loaded once per configuration and shared, each
 * call carries an idempotency key, has its own timeout, and fails with a classified SoapCallError so
 * the retry policy retries only what a retry can fix.
 */

export type HttpAuth =
  | { type: 'none' }
  | { type: 'basic'; username: string; password: string }
  | { type: 'header'; name: string; value: string };

export interface TlsOptions {
  ca?: string;
  cert?: string;
  key?: string;
  rejectUnauthorized?: boolean;
}

export type WsSecurity =
  | { type: 'none' }
  | { type: 'username-text' | 'username-digest'; username: string; password: string }
  | { type: 'x509'; privateKeyPem: string; certificatePem: string; passphrase?: string };

export interface SoapClientOptions {
  /** file path or http(s) URL of the WSDL */
  wsdl: string;
  /** replaces the soap:address of the WSDL */
  endpoint?: string;
  /** used to load the WSDL; with authOnCalls also sent with every call */
  httpAuth?: HttpAuth;
  authOnCalls?: boolean;
  tls?: TlsOptions;
  security?: WsSecurity;
  /** the largest WSDL or answer read, in bytes; 10 MiB by default (DEFAULT_MAX_ANSWER_BYTES) */
  maxAnswerBytes?: number;
}

export interface OperationInfo {
  service: string;
  port: string;
  operation: string;
}

export interface CallOptions {
  timeoutMs?: number;
  /** the same key on every attempt of one message; a random one when absent */
  idempotencyKey?: string;
  /** the W3C traceparent header to send as it is (ResilientSoapClient makes it the caller's child) */
  traceparent?: string;
}

export interface SoapFault {
  code: string;
  string: string;
  detail?: unknown;
  /** who the fault blames: client (Client/Sender), server (Server/Receiver), or other codes */
  side: 'client' | 'server' | 'other';
}

export type SoapErrorKind = 'network' | 'timeout' | 'http' | 'fault' | 'response' | 'operation' | 'wsdl';

export class SoapCallError extends Error {
  /** set by ResilientSoapClient: how many attempts were made */
  attempts?: number;
  /**
   * The kind again: Node-RED copies an error's own `code` (not `kind`) to msg.error, so a switch after a
   * Catch node can route on msg.error.code.
   */
  readonly code: SoapErrorKind;
  constructor(
    message: string,
    readonly kind: SoapErrorKind,
    readonly transient: boolean,
    readonly details: { statusCode?: number; fault?: SoapFault; code?: string; cause?: unknown } = {},
  ) {
    // it quotes a WSDL URL or a library's error about one; the log, status and Catch never see a password
    super(withoutUserinfo(message));
    this.name = 'SoapCallError';
    this.code = kind;
  }
  get fault(): SoapFault | undefined {
    return this.details.fault;
  }
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ECONNABORTED',
]);
/** statuses a retry can fix: overload, gateway trouble, a request timeout */
const TRANSIENT_STATUS = new Set([408, 429, 500, 502, 503, 504]);

function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object' && '$value' in value) return text((value as { $value: unknown }).$value);
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

function faultSide(code: string): SoapFault['side'] {
  const local = code.split(':').pop() ?? '';
  if (/^(Client|Sender)/i.test(local)) return 'client';
  if (/^(Server|Receiver)/i.test(local)) return 'server';
  return 'other';
}

/** node-soap throws plain objects too, such as `{ Fault: { faultstring: 'Invalid XML', detail } }`. */
function thrownText(err: unknown): string {
  if (typeof err !== 'object' || err === null) return String(err);
  const fault = (err as { Fault?: { faultstring?: unknown; detail?: unknown } }).Fault;
  if (fault && typeof fault === 'object' && fault.faultstring !== undefined) {
    return fault.detail !== undefined
      ? `${text(fault.faultstring)}: ${text(fault.detail)}`
      : text(fault.faultstring);
  }
  try {
    return JSON.stringify(err);
  } catch {
    return String(err);
  }
}

/** node-soap keeps the parsed envelope of a fault on err.root; SOAP 1.1 and 1.2 shapes. */
export function faultOf(root: unknown): SoapFault | undefined {
  const fault = (root as { Envelope?: { Body?: { Fault?: Record<string, unknown> } } } | undefined)?.Envelope
    ?.Body?.Fault;
  if (!fault || typeof fault !== 'object') return undefined;
  const code12 = fault.Code as { Value?: unknown; Subcode?: { Value?: unknown } } | undefined;
  const code = fault.faultcode !== undefined ? text(fault.faultcode) : text(code12?.Value);
  const reason = fault.Reason as { Text?: unknown } | undefined;
  const string = fault.faultstring !== undefined ? text(fault.faultstring) : text(reason?.Text);
  const detail = fault.detail ?? fault.Detail;
  return { code, string, ...(detail !== undefined ? { detail } : {}), side: faultSide(code) };
}

/**
 * A fault is the server's considered answer: a Client fault is the caller's mistake and a Server
 * fault means the server ran (part of) the call, so neither is retried unless retryServerFaults.
 * No answer at all (network, timeout) or an overloaded/gateway status without a fault body is.
 */
export function classifySoapError(
  err: unknown,
  options: { retryServerFaults?: boolean } = {},
): SoapCallError {
  if (err instanceof SoapCallError) return err;
  if (err instanceof UnusableAnswerError)
    return new SoapCallError(err.message, 'response', false, { cause: err });
  const e = (err ?? {}) as {
    code?: unknown;
    message?: unknown;
    response?: { status?: unknown };
    root?: unknown;
  };
  const message = typeof e.message === 'string' ? e.message : thrownText(err);
  const fault = faultOf(e.root);
  if (fault) {
    const transient = fault.side === 'server' && options.retryServerFaults === true;
    return new SoapCallError(`SOAP fault ${fault.code}: ${fault.string}`, 'fault', transient, {
      fault,
      cause: err,
    });
  }
  const status = typeof e.response?.status === 'number' ? e.response.status : undefined;
  if (status !== undefined && status >= 400) {
    return new SoapCallError(`HTTP ${status} without a SOAP fault`, 'http', TRANSIENT_STATUS.has(status), {
      statusCode: status,
      cause: err,
    });
  }
  const code = typeof e.code === 'string' ? e.code : undefined;
  if ((code && NETWORK_CODES.has(code)) || /socket hang up|network error/i.test(message)) {
    return new SoapCallError(`network error: ${message}`, 'network', true, { code, cause: err });
  }
  return new SoapCallError(`unusable response: ${message}`, 'response', false, { code, cause: err });
}

function authHeaders(auth: HttpAuth | undefined): Record<string, string> {
  if (!auth || auth.type === 'none') return {};
  if (auth.type === 'basic') {
    return { Authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` };
  }
  if (!auth.name.trim()) throw new Error('httpAuth: a custom header needs a header name');
  return { [auth.name.trim()]: auth.value };
}

function httpsAgentFor(tls: TlsOptions | undefined): https.Agent | undefined {
  if (
    !tls ||
    (tls.ca === undefined &&
      tls.cert === undefined &&
      tls.key === undefined &&
      tls.rejectUnauthorized !== false)
  ) {
    return undefined;
  }
  return new https.Agent({
    ca: tls.ca || undefined,
    cert: tls.cert || undefined,
    key: tls.key || undefined,
    rejectUnauthorized: tls.rejectUnauthorized !== false,
    keepAlive: true,
  });
}

function securityFor(security: WsSecurity | undefined): soap.ISecurity | undefined {
  if (!security || security.type === 'none') return undefined;
  if (security.type === 'x509') {
    if (!security.privateKeyPem.includes('PRIVATE KEY'))
      throw new Error('security x509: privateKeyPem is not a PEM private key');
    if (!security.certificatePem.includes('CERTIFICATE'))
      throw new Error('security x509: certificatePem is not a PEM certificate');
    // the MessageID is signed too, so the idempotency key cannot be swapped on the way
    return new soap.WSSecurityCert(
      security.privateKeyPem,
      security.certificatePem,
      security.passphrase ?? '',
      {
        hasTimeStamp: true,
        additionalReferences: ['wsa:MessageID'],
      },
    );
  }
  if (!security.username) throw new Error(`security ${security.type}: username is empty`);
  return new soap.WSSecurity(security.username, security.password, {
    passwordType: security.type === 'username-digest' ? 'PasswordDigest' : 'PasswordText',
    hasNonce: true,
    hasTimeStamp: true,
  });
}

/** Cache key of a WSDL load: what decides which document comes back. */
export function wsdlLoadKey(options: SoapClientOptions): string {
  return JSON.stringify([options.wsdl.trim(), authHeaders(options.httpAuth), options.tls ?? {}]);
}

/** The documents node-soap read for a WSDL: the main one and, recursively, what it imported. */
interface LoadedWsdl {
  xml?: unknown;
  _includesWsdl?: LoadedWsdl[];
}

function loadedTexts(wsdl: LoadedWsdl, into: string[] = []): string[] {
  if (typeof wsdl.xml === 'string') into.push(wsdl.xml);
  for (const included of wsdl._includesWsdl ?? []) loadedTexts(included, into);
  return into;
}

const portVersionsByWsdl = new WeakMap<soap.WSDL, Map<string, SoapVersion>>();

/** SOAP version by "Service.Port", read once per loaded WSDL (the pool shares it between clients). */
function portVersionsOf(wsdl: soap.WSDL): Map<string, SoapVersion> {
  let versions = portVersionsByWsdl.get(wsdl);
  if (!versions) {
    versions = portSoapVersions(loadedTexts(wsdl as unknown as LoadedWsdl));
    portVersionsByWsdl.set(wsdl, versions);
  }
  return versions;
}

type Callback = (err: unknown, result: unknown) => void;
type SoapMethod = (
  args: unknown,
  callback: Callback,
  options: object,
  extraHeaders: Record<string, string>,
) => void;

export class SoapClient {
  private readonly client: soap.Client;
  private readonly agent: https.Agent | undefined;
  // node-soap builds headers from a shared client; the args object of each call finds its own key
  private readonly keys = new WeakMap<object, string>();
  private operations: OperationInfo[] | undefined;

  constructor(
    wsdl: soap.WSDL,
    readonly options: SoapClientOptions,
  ) {
    this.client = new soap.Client(wsdl, options.endpoint || undefined, {
      disableCache: true,
      httpClient: new CheckedHttpClient(),
    });
    this.agent = httpsAgentFor(options.tls);
    const security = securityFor(options.security);
    if (security) this.client.setSecurity(security);
    if (options.authOnCalls) {
      for (const [name, value] of Object.entries(authHeaders(options.httpAuth)))
        this.client.addHttpHeader(name, value);
    }
    this.client.addSoapHeader((_method: unknown, _location: unknown, _action: unknown, args: unknown) => {
      const key = typeof args === 'object' && args !== null ? this.keys.get(args) : undefined;
      return key ? messageIdHeaderXml(key) : '';
    });
  }

  listOperations(): OperationInfo[] {
    if (this.operations) return this.operations;
    const out: OperationInfo[] = [];
    const services = this.client.describe() as Record<string, Record<string, Record<string, unknown>>>;
    for (const [service, ports] of Object.entries(services)) {
      for (const [port, operations] of Object.entries(ports)) {
        for (const operation of Object.keys(operations)) out.push({ service, port, operation });
      }
    }
    this.operations = out;
    return out;
  }

  /** One attempt. `operation` is a name, or Service.Port.Operation when names repeat across ports. */
  call(operation: string, payload: unknown, options: CallOptions = {}): Promise<unknown> {
    let target: { method: SoapMethod; soap12: boolean; answer: AnswerExpectation };
    try {
      target = this.method(operation);
    } catch (err) {
      return Promise.reject(err);
    }
    const key = options.idempotencyKey || randomUUID();
    if (
      payload !== undefined &&
      payload !== null &&
      (typeof payload !== 'object' || Array.isArray(payload))
    ) {
      return Promise.reject(
        new SoapCallError(`payload of ${operation} must be an object of its arguments`, 'operation', false),
      );
    }
    const args = toNodeSoap({ ...(payload as Record<string, unknown> | undefined) }, (name) =>
      this.typeNamespace(name),
    ) as Record<string, unknown>;
    this.keys.set(args, key);
    const timeoutMs = options.timeoutMs ?? 30000;
    const abort = new AbortController();
    const check: AnswerCheck = {
      expect: target.answer,
      maxBytes: this.options.maxAnswerBytes ?? DEFAULT_MAX_ANSWER_BYTES,
    };
    return new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        abort.abort();
        reject(new SoapCallError(`no answer to ${operation} within ${timeoutMs} ms`, 'timeout', true));
      }, timeoutMs);
      const callback: Callback = (err, result) => {
        clearTimeout(timer);
        if (abort.signal.aborted) return;
        if (err) reject(classifySoapError(err));
        // node-soap hands back the whole envelope for an empty Body; the output without parts is {}
        else resolve(check.emptyBody ? {} : fromNodeSoap(result));
      };
      // node-soap reads forceSoap12Headers from the WSDL's options, which all clients of the pooled
      // WSDL and all its ports share; it is read while the envelope and headers are built, before
      // the method returns, so setting it for this call alone decides this call's version
      const wsdlOptions = this.client.wsdl.options as { forceSoap12Headers?: boolean };
      const before = wsdlOptions.forceSoap12Headers;
      wsdlOptions.forceSoap12Headers = target.soap12;
      try {
        target.method(
          args,
          callback,
          { signal: abort.signal, ...(this.agent ? { httpsAgent: this.agent } : {}), [ANSWER_CHECK]: check },
          {
            [IDEMPOTENCY_HTTP_HEADER]: key,
            ...(options.traceparent ? { [TRACEPARENT]: options.traceparent } : {}),
          },
        );
      } catch (err) {
        clearTimeout(timer);
        reject(
          new SoapCallError(
            `cannot build the ${operation} request: ${(err as Error).message}`,
            'operation',
            false,
            { cause: err },
          ),
        );
      } finally {
        wsdlOptions.forceSoap12Headers = before;
      }
    });
  }

  /** The namespace of the WSDL's complex type with this local name, for xsi:type. */
  private typeNamespace(localName: string): string | undefined {
    const schemas = (
      this.client.wsdl.definitions as unknown as {
        schemas?: Record<string, { complexTypes?: Record<string, unknown> }>;
      }
    ).schemas;
    for (const [ns, schema] of Object.entries(schemas ?? {})) {
      if (schema.complexTypes && Object.prototype.hasOwnProperty.call(schema.complexTypes, localName))
        return ns;
    }
    return undefined;
  }

  /** Closes the kept-alive TLS sockets of this client. */
  close(): void {
    this.agent?.destroy();
  }

  /**
   * The function node-soap defined for the operation, and whether its port is bound to SOAP 1.2. A
   * bare name that several ports offer goes through the first SOAP 1.1 port, else the first port:
   * node-soap's own bare name is simply the last port it defined.
   */
  private method(operation: string): { method: SoapMethod; soap12: boolean; answer: AnswerExpectation } {
    const parts = operation.split('.');
    const candidates = this.listOperations().filter((o) =>
      parts.length === 3
        ? o.service === parts[0] && o.port === parts[1] && o.operation === parts[2]
        : parts.length === 1 && o.operation === operation,
    );
    const versions = portVersionsOf(this.client.wsdl);
    const versionOf = (o: OperationInfo): SoapVersion => versions.get(`${o.service}.${o.port}`) ?? '1.1';
    const chosen = candidates.find((o) => versionOf(o) === '1.1') ?? candidates[0];
    let target: unknown = this.client;
    for (const part of chosen ? [chosen.service, chosen.port, chosen.operation] : [])
      target = (target as Record<string, unknown> | undefined)?.[part];
    if (!chosen || typeof target !== 'function') {
      const names = [...new Set(this.listOperations().map((o) => o.operation))].join(', ');
      throw new SoapCallError(
        `operation "${operation}" is not in the WSDL (it has: ${names})`,
        'operation',
        false,
      );
    }
    const definitions = this.client.wsdl.definitions as unknown as {
      services?: Record<
        string,
        {
          ports?: Record<
            string,
            { binding?: { methods?: Record<string, { output?: NodeSoapOutput | null }> } }
          >;
        }
      >;
    };
    const output =
      definitions.services?.[chosen.service]?.ports?.[chosen.port]?.binding?.methods?.[chosen.operation]
        ?.output;
    return {
      method: target as SoapMethod,
      soap12: versionOf(chosen) === '1.2',
      answer: expectationOf(chosen.operation, output),
    };
  }
}

/** The MessageID the server sees for a key (for logs and msg.soap). */
export { messageIdFor };

/** What failed, in the words a flow routes on: a SoapCallError's kind, circuit-open, or error. */
export function soapErrorKind(err: unknown): SoapErrorKind | 'circuit-open' | 'error' {
  if (err instanceof SoapCallError) return err.kind;
  if (err instanceof CircuitOpenError) return err.kind;
  return 'error';
}

/**
 * WSDLs by load key. Concurrent first callers share one load; a failed load is forgotten so the next
 * call tries again; the last release drops the WSDL so a redeploy reads a changed file.
 */
export class SoapClientPool {
  private readonly loads = new Map<string, { wsdl: Promise<soap.WSDL>; refs: number }>();

  async acquire(options: SoapClientOptions): Promise<SoapClient> {
    checkSoapUrls(options);
    const key = wsdlLoadKey(options);
    let entry = this.loads.get(key);
    if (!entry) {
      const created = { wsdl: this.load(options), refs: 0 };
      created.wsdl.catch(() => {
        if (this.loads.get(key) === created) this.loads.delete(key);
      });
      this.loads.set(key, created);
      entry = created;
    }
    entry.refs += 1;
    try {
      return new SoapClient(await entry.wsdl, options);
    } catch (err) {
      // no client was handed out, so its reference goes back (a failed load is gone already)
      if (this.loads.get(key) === entry && --entry.refs <= 0) this.loads.delete(key);
      throw err;
    }
  }

  release(options: SoapClientOptions): void {
    const key = wsdlLoadKey(options);
    const entry = this.loads.get(key);
    if (entry && --entry.refs <= 0) this.loads.delete(key);
  }

  get size(): number {
    return this.loads.size;
  }

  private async load(options: SoapClientOptions): Promise<soap.WSDL> {
    if (!options.wsdl || !options.wsdl.trim())
      throw new SoapCallError('wsdl: no WSDL file or URL given', 'wsdl', false);
    const agent = httpsAgentFor(options.tls);
    try {
      const client = await soap.createClientAsync(options.wsdl.trim(), {
        disableCache: true,
        wsdl_headers: authHeaders(options.httpAuth),
        wsdl_options: {
          ...(agent ? { httpsAgent: agent } : {}),
          // a WSDL is read whole into memory and parsed: one that never ends must not take the process
          maxContentLength: options.maxAnswerBytes ?? DEFAULT_MAX_ANSWER_BYTES,
          overrideImportLocation: localImportLocation,
        },
      });
      return client.wsdl;
    } catch (err) {
      const classified = classifySoapError(err);
      throw new SoapCallError(
        `cannot load WSDL ${options.wsdl}: ${(err as Error).message ?? String(err)}`,
        'wsdl',
        classified.kind === 'network' || (classified.kind === 'http' && classified.transient),
        {
          cause: err,
          statusCode: classified.details.statusCode,
        },
      );
    }
  }
}

export const defaultSoapClientPool = new SoapClientPool();

/**
 * Refuses a WSDL or endpoint URL with a user or password in it: they belong in httpAuth, and node-soap
 * would otherwise send them as Basic auth from the flow JSON.
 */
export function checkSoapUrls(options: Pick<SoapClientOptions, 'wsdl' | 'endpoint'>): void {
  checkNoUserinfo('wsdl', options.wsdl);
  checkNoUserinfo('endpoint', options.endpoint);
}

/** A client from the process-wide pool; the WSDL is loaded once per (wsdl, auth, TLS). */
export function getSoapClient(options: SoapClientOptions): Promise<SoapClient> {
  return defaultSoapClientPool.acquire(options);
}

/**
 * The operations of a WSDL, for an editor's dropdown. Only what loading the WSDL needs is used: no
 * WS-Security key is parsed for a listing, and a WSDL already loaded by a deployed client is reused.
 */
export async function listWsdlOperations(
  options: SoapClientOptions,
  pool: SoapClientPool = defaultSoapClientPool,
): Promise<OperationInfo[]> {
  const listing: SoapClientOptions = { ...options, security: { type: 'none' } };
  const client = await pool.acquire(listing);
  try {
    return client.listOperations();
  } finally {
    pool.release(listing);
    client.close();
  }
}

/** Per call: how long one attempt may take, and the redelivery policy. */
export interface CallPolicy {
  timeoutMs: number;
  retry: Omit<RetryOptions, 'isTransient'>;
  /** retry a Server fault too: only for an idempotent service */
  retryServerFaults?: boolean;
}

export const DEFAULT_CALL_POLICY: CallPolicy = {
  timeoutMs: 30000,
  retry: { retries: 3, baseDelayMs: 500, maxDelayMs: 500 * 32, jitter: 0.2 },
  retryServerFaults: false,
};

/** The breaker guards the endpoint; the call policy is the default for calls that bring none. */
export interface ResilienceOptions extends Partial<CallPolicy> {
  breaker: Omit<CircuitBreakerOptions, 'isFailure'>;
}

export interface ResilientCallOptions extends CallOptions, Partial<CallPolicy> {}

export interface CallOutcome {
  result: unknown;
  attempts: number;
  messageId: string;
  /** the traceparent header every attempt carried */
  traceparent: string;
}

/**
 * A SoapClient behind the redelivery policy and a circuit breaker for its endpoint. Every attempt of
 * one call reuses the idempotency key; an open circuit fails fast and is not retried.
 */
export class ResilientSoapClient {
  readonly breaker: CircuitBreaker;
  private client: Promise<SoapClient> | undefined;
  private acquired = false;
  private closed = false;

  constructor(
    private readonly pool: SoapClientPool,
    readonly options: SoapClientOptions,
    private readonly resilience: ResilienceOptions,
  ) {
    this.breaker = new CircuitBreaker({
      ...resilience.breaker,
      name: resilience.breaker.name ?? withoutUserinfo(options.endpoint ?? options.wsdl),
      // only "the endpoint did not answer properly" opens the circuit; a fault is an answer
      isFailure: (err) => err instanceof SoapCallError && err.kind !== 'fault' && err.transient,
    });
  }

  soapClient(): Promise<SoapClient> {
    if (!this.client) {
      const pending = this.pool.acquire(this.options);
      this.client = pending;
      pending.then(
        () => {
          // closed while loading: give the reference back at once
          if (this.closed) this.pool.release(this.options);
          else this.acquired = true;
        },
        () => {
          if (this.client === pending) this.client = undefined;
        },
      );
    }
    return this.client;
  }

  /** True once the WSDL is loaded (and until close). */
  get loaded(): boolean {
    return this.acquired;
  }

  async call(operation: string, payload: unknown, options: ResilientCallOptions = {}): Promise<CallOutcome> {
    const idempotencyKey = options.idempotencyKey || randomUUID();
    // one outgoing call, its attempts included, is one child of the caller's trace
    const traceparent = childTraceparent(options.traceparent);
    const timeoutMs = options.timeoutMs ?? this.resilience.timeoutMs ?? DEFAULT_CALL_POLICY.timeoutMs;
    const retryServerFaults = options.retryServerFaults ?? this.resilience.retryServerFaults === true;
    let attempts = 0;
    try {
      const result = await retry(
        () => {
          attempts += 1;
          return this.breaker.call(async () => {
            const client = await this.soapClient();
            return client.call(operation, payload, { timeoutMs, idempotencyKey, traceparent });
          });
        },
        {
          ...(options.retry ?? this.resilience.retry ?? DEFAULT_CALL_POLICY.retry),
          isTransient: (err) =>
            !(err instanceof CircuitOpenError) &&
            (err instanceof SoapCallError
              ? err.transient || (err.kind === 'fault' && err.fault?.side === 'server' && retryServerFaults)
              : false),
        },
      );
      return { result, attempts, messageId: messageIdFor(idempotencyKey), traceparent };
    } catch (err) {
      if (err instanceof SoapCallError) err.attempts = attempts;
      throw err;
    }
  }

  close(): void {
    this.closed = true;
    this.breaker.dispose();
    void this.client?.then((c) => c.close()).catch(() => undefined);
    if (this.acquired) this.pool.release(this.options);
    this.acquired = false;
    this.client = undefined;
  }
}
