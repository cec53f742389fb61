import http from 'node:http';
import https from 'node:https';
import { randomUUID } from 'node:crypto';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import {
  CircuitBreaker,
  CircuitOpenError,
  retry,
  type CircuitBreakerOptions,
  type RetryOptions,
} from '../resilience';
import { statusError, transportError } from './classify';
import { RestCallError } from './errors';
import { childTraceparent, TRACEPARENT } from './trace-context';
import {
  checkBaseUrl,
  decodeBody,
  encodeBody,
  fillPath,
  joinUrl,
  mergeHeaders,
  type Headers,
  type HttpMethod,
} from './request';

/**
 * Outbound REST on axios, for SMS and e-mail gateways and modern CRMs: one keep-alive agent per client,
 * a timeout per attempt, Camel's redelivery policy for transient failures only (honouring Retry-After
 * within a cap), one circuit breaker for the endpoint, and the same Idempotency-Key on every attempt of
 * one request so the server can answer a repeat with its first result.
 */

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

export type RestAuth =
  | { type: 'none' }
  | { type: 'basic'; username: string; password: string }
  | { type: 'bearer'; token: string }
  | { type: 'api-key'; header: string; value: string };

export interface RestTlsOptions {
  /** PEM; replaces the system CAs for this endpoint */
  ca?: string;
  /** PEM client certificate and key, for mutual TLS */
  cert?: string;
  key?: string;
  rejectUnauthorized?: boolean;
}

export interface RestPolicy {
  /** one attempt may take this long */
  timeoutMs: number;
  retry: Omit<RetryOptions, 'isTransient' | 'onRetry'>;
  /** a Retry-After longer than this fails the call at once instead of holding the message */
  retryAfterMaxMs: number;
}

export const DEFAULT_REST_POLICY: RestPolicy = {
  timeoutMs: 10000,
  retry: { retries: 3, baseDelayMs: 500, maxDelayMs: 500 * 32, jitter: 0.2 },
  retryAfterMaxMs: 30000,
};

export const DEFAULT_BODY_LIMIT = 1024 * 1024;

export interface RestClientOptions {
  baseUrl: string;
  auth?: RestAuth;
  tls?: RestTlsOptions;
  /** sent with every request; a message's headers win over them */
  headers?: Headers;
  policy?: Partial<RestPolicy>;
  breaker: Omit<CircuitBreakerOptions, 'isFailure'>;
}

export interface RestRequest {
  method: HttpMethod;
  /** relative to the base URL, with {name} placeholders */
  path: string;
  params?: unknown;
  /** sent as JSON (a Buffer or string as it is); ignored for GET and DELETE */
  body?: unknown;
  headers?: unknown;
  /** the same on every attempt; a random one when absent */
  idempotencyKey?: string;
  /** the caller's W3C trace context; the call goes out as its child, or starts a trace without one */
  traceparent?: string;
  maxRequestBytes?: number;
  maxResponseBytes?: number;
}

export interface RestResponse {
  statusCode: number;
  headers: Record<string, string | string[]>;
  body: unknown;
  attempts: number;
  method: HttpMethod;
  url: string;
  idempotencyKey: string;
  /** the traceparent header the call carried */
  traceparent: string;
}

function authHeaders(auth: RestAuth | undefined): Headers {
  if (!auth || auth.type === 'none') return {};
  if (auth.type === 'basic')
    return { Authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}` };
  if (auth.type === 'bearer') return { Authorization: `Bearer ${auth.token}` };
  if (!auth.header.trim()) throw new Error('auth api-key: the header name is empty');
  return mergeHeaders({ headers: { [auth.header.trim()]: auth.value } });
}

function plainHeaders(headers: AxiosResponse['headers']): Record<string, string | string[]> {
  const source =
    typeof (headers as { toJSON?: unknown }).toJSON === 'function'
      ? (headers as { toJSON(): Record<string, unknown> }).toJSON()
      : (headers as Record<string, unknown>);
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(source)) {
    if (value === undefined || value === null) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.map(String) : String(value);
  }
  return out;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface RestClientHooks {
  /** the waits between attempts; tests record them instead of sleeping */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

export class ResilientRestClient {
  readonly breaker: CircuitBreaker;
  readonly baseUrl: string;
  readonly policy: RestPolicy;
  private readonly axios: AxiosInstance;
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private readonly fixedHeaders: Headers;
  private readonly auth: Headers;

  constructor(
    readonly options: RestClientOptions,
    private readonly hooks: RestClientHooks = {},
  ) {
    this.baseUrl = checkBaseUrl(options.baseUrl);
    this.policy = {
      ...DEFAULT_REST_POLICY,
      ...options.policy,
      retry: { ...DEFAULT_REST_POLICY.retry, ...options.policy?.retry },
    };
    this.fixedHeaders = mergeHeaders({ headers: options.headers });
    this.auth = authHeaders(options.auth);
    this.httpAgent = new http.Agent({ keepAlive: true });
    this.httpsAgent = new https.Agent({
      keepAlive: true,
      ca: options.tls?.ca || undefined,
      cert: options.tls?.cert || undefined,
      key: options.tls?.key || undefined,
      rejectUnauthorized: options.tls?.rejectUnauthorized !== false,
    });
    this.axios = axios.create({
      httpAgent: this.httpAgent,
      httpsAgent: this.httpsAgent,
      // a redirect would carry the API key to wherever it points; the base URL names the final address
      maxRedirects: 0,
      responseType: 'arraybuffer',
      // every status is an answer; classify() decides what it means
      validateStatus: () => true,
      transformResponse: [(data: unknown) => data],
      transitional: { clarifyTimeoutError: true, silentJSONParsing: false, forcedJSONParsing: false },
    });
    this.breaker = new CircuitBreaker({
      ...options.breaker,
      name: options.breaker.name ?? this.baseUrl,
      isFailure: (err) => err instanceof RestCallError && err.endpointFailed,
    });
  }

  /**
   * One request with redelivery: transient failures are retried with exponential backoff (or the
   * server's Retry-After, when longer and within the cap), every attempt through the breaker and with
   * the same Idempotency-Key. An open circuit fails at once and is not retried.
   */
  async request(req: RestRequest): Promise<RestResponse> {
    const idempotencyKey = req.idempotencyKey || randomUUID();
    const traceparent = childTraceparent(req.traceparent);
    const url = joinUrl(this.baseUrl, fillPath(req.path, req.params));
    const body =
      req.method === 'GET' || req.method === 'DELETE'
        ? undefined
        : encodeBody(req.body, req.maxRequestBytes ?? DEFAULT_BODY_LIMIT);
    const headers = mergeHeaders(
      { headers: { Accept: 'application/json, text/plain;q=0.9, */*;q=0.5' } },
      { headers: body ? { 'Content-Type': body.contentType } : {} },
      { headers: this.fixedHeaders },
      { headers: req.headers, fromMessage: true },
      { headers: { [IDEMPOTENCY_HEADER]: idempotencyKey, [TRACEPARENT]: traceparent } },
      { headers: this.auth },
    );
    const sleep = this.hooks.sleep ?? realSleep;
    let attempts = 0;
    let wait = 0;
    try {
      const answer = await retry(
        () => {
          attempts += 1;
          return this.breaker.call(() => this.attempt(req, url, headers, body?.data));
        },
        {
          ...this.policy.retry,
          random: this.hooks.random ?? this.policy.retry.random,
          isTransient: (err) =>
            !(err instanceof CircuitOpenError) && err instanceof RestCallError && err.transient,
          onRetry: (err, _attempt, delayMs) => {
            const asked = err instanceof RestCallError ? (err.details.retryAfterMs ?? 0) : 0;
            wait = Math.max(delayMs, asked);
          },
          sleep: () => sleep(wait),
        },
      );
      return { ...answer, attempts, method: req.method, url, idempotencyKey, traceparent };
    } catch (err) {
      if (err instanceof RestCallError) err.attempts = attempts;
      throw err;
    }
  }

  /** One attempt: the answer when 2xx, else a classified RestCallError. */
  private async attempt(
    req: RestRequest,
    url: string,
    headers: Headers,
    data: Buffer | string | undefined,
  ): Promise<Pick<RestResponse, 'statusCode' | 'headers' | 'body'>> {
    const where = `${req.method} ${url}`;
    const timeoutMs = this.policy.timeoutMs;
    const abort = new AbortController();
    // axios's timeout watches the socket; this one bounds the whole attempt, a trickling answer too
    const timer = setTimeout(() => abort.abort(), timeoutMs);
    let response: AxiosResponse<Buffer>;
    try {
      response = await this.axios.request<Buffer>({
        method: req.method,
        url,
        headers,
        data,
        timeout: timeoutMs,
        signal: abort.signal,
        maxContentLength: req.maxResponseBytes ?? DEFAULT_BODY_LIMIT,
        maxBodyLength: req.maxRequestBytes ?? DEFAULT_BODY_LIMIT,
      });
    } catch (err) {
      if (abort.signal.aborted)
        throw new RestCallError(`no answer from ${where} within ${timeoutMs} ms`, 'timeout', true, {
          cause: err,
        });
      throw transportError(err, where, timeoutMs);
    } finally {
      clearTimeout(timer);
    }
    const responseHeaders = plainHeaders(response.headers);
    const raw = Buffer.isBuffer(response.data) ? response.data : Buffer.from(response.data ?? '');
    const contentType = [responseHeaders['content-type']].flat()[0];
    if (response.status >= 200 && response.status < 300) {
      return { statusCode: response.status, headers: responseHeaders, body: decodeBody(raw, contentType) };
    }
    let body: unknown;
    try {
      body = decodeBody(raw, contentType);
    } catch {
      body = raw.toString('utf8').slice(0, 1000);
    }
    throw statusError({
      statusCode: response.status,
      statusText: response.statusText,
      headers: responseHeaders,
      body,
      method: req.method,
      url,
      retryAfterMaxMs: this.policy.retryAfterMaxMs,
      now: this.hooks.now?.(),
    });
  }

  /** Closes the kept-alive sockets and the breaker's timer. */
  close(): void {
    this.breaker.dispose();
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
