import type { NodeDef } from 'node-red';
import {
  DEFAULT_REST_POLICY,
  parseHeaderLines,
  type RestAuth,
  type RestClientOptions,
} from '../../connectors/http';

/**
 * What describes one outbound REST endpoint, saved on a rest-client config node. The circuit breaker is
 * here because it guards the endpoint: every rest-request calling a dead gateway fails fast once it
 * opens. Timeout and redelivery are here too: a gateway's limits are the gateway's.
 */
export interface RestClientConfig {
  baseUrl: string;
  auth: 'none' | 'basic' | 'bearer' | 'api-key';
  apiKeyHeader: string;
  /** `Name: value` lines; no secrets here (they would be in the flow JSON) */
  headers: string;
  rejectUnauthorized: boolean;
  timeout: string;
  retries: string;
  retryDelay: string;
  retryAfterMax: string;
  breakerThreshold: string;
  breakerReset: string;
}

export interface RestClientDef extends NodeDef, RestClientConfig {}

/** Kept in Node-RED's encrypted credentials file, never in the flow JSON. */
export interface RestClientCredentials {
  username?: string;
  password?: string;
  token?: string;
  apiKey?: string;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
}

export const credentialTypes: Record<keyof RestClientCredentials, { type: 'text' | 'password' }> = {
  username: { type: 'text' },
  password: { type: 'password' },
  token: { type: 'password' },
  apiKey: { type: 'password' },
  tlsCa: { type: 'text' },
  tlsCert: { type: 'text' },
  tlsKey: { type: 'password' },
};

/** A whole-number field of the editor (saved as text); empty means the default. */
export function wholeNumber(value: string | undefined, field: string, fallback: number, min: number): number {
  if (value === undefined || String(value).trim() === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new Error(`${field} must be a whole number >= ${min}, got "${value}"`);
  return n;
}

function authFrom(config: Partial<RestClientConfig>, creds: RestClientCredentials): RestAuth {
  switch (config.auth ?? 'none') {
    case 'none':
      return { type: 'none' };
    case 'basic':
      if (!creds.username) throw new Error('auth basic: the user is empty');
      return { type: 'basic', username: creds.username ?? '', password: creds.password ?? '' };
    case 'bearer':
      if (!creds.token) throw new Error('auth bearer: the token is empty');
      return { type: 'bearer', token: creds.token };
    case 'api-key':
      if (!(config.apiKeyHeader ?? '').trim()) throw new Error('auth api-key: the header name is empty');
      return { type: 'api-key', header: (config.apiKeyHeader ?? '').trim(), value: creds.apiKey ?? '' };
    default:
      throw new Error(`auth: unknown type "${String(config.auth)}"`);
  }
}

export function restClientOptionsFrom(
  config: Partial<RestClientConfig>,
  creds: RestClientCredentials,
): RestClientOptions {
  const baseDelayMs = wholeNumber(config.retryDelay, 'retryDelay', DEFAULT_REST_POLICY.retry.baseDelayMs, 0);
  return {
    baseUrl: config.baseUrl ?? '',
    auth: authFrom(config, creds),
    tls: {
      ca: creds.tlsCa || undefined,
      cert: creds.tlsCert || undefined,
      key: creds.tlsKey || undefined,
      rejectUnauthorized: config.rejectUnauthorized !== false,
    },
    headers: parseHeaderLines(config.headers ?? ''),
    policy: {
      timeoutMs: wholeNumber(config.timeout, 'timeout', DEFAULT_REST_POLICY.timeoutMs, 1),
      retry: {
        retries: wholeNumber(config.retries, 'retries', DEFAULT_REST_POLICY.retry.retries, 0),
        baseDelayMs,
        maxDelayMs: baseDelayMs * 32,
        jitter: DEFAULT_REST_POLICY.retry.jitter,
      },
      retryAfterMaxMs: wholeNumber(
        config.retryAfterMax,
        'retryAfterMax',
        DEFAULT_REST_POLICY.retryAfterMaxMs,
        0,
      ),
    },
    breaker: {
      failureThreshold: wholeNumber(config.breakerThreshold, 'breakerThreshold', 5, 1),
      resetTimeoutMs: wholeNumber(config.breakerReset, 'breakerReset', 30000, 0),
    },
  };
}
