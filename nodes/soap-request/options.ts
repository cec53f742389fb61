import path from 'node:path';
import type { NodeDef } from 'node-red';
import type {
  HttpAuth,
  ResilienceOptions,
  SoapClientOptions,
  WsSecurity,
} from '../../connectors/soap/client';

export interface SoapRequestDef extends NodeDef {
  /** file path (relative to the user directory) or http(s) URL */
  wsdl: string;
  endpoint: string;
  operation: string;
  timeout: string;
  retries: string;
  retryDelay: string;
  breakerThreshold: string;
  breakerReset: string;
  security: 'none' | 'username-text' | 'username-digest' | 'x509';
  wsdlAuth: 'none' | 'basic' | 'header';
  authHeaderName: string;
  authOnCalls: boolean;
  rejectUnauthorized: boolean;
  retryServerFaults: boolean;
}

/** Kept in Node-RED's encrypted credentials file, never in the flow JSON. */
export interface SoapRequestCredentials {
  username?: string;
  password?: string;
  privateKey?: string;
  certificate?: string;
  passphrase?: string;
  wsdlUser?: string;
  wsdlPassword?: string;
  authHeaderValue?: string;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
}

export const credentialTypes: Record<keyof SoapRequestCredentials, { type: 'text' | 'password' }> = {
  username: { type: 'text' },
  password: { type: 'password' },
  privateKey: { type: 'password' },
  certificate: { type: 'text' },
  passphrase: { type: 'password' },
  wsdlUser: { type: 'text' },
  wsdlPassword: { type: 'password' },
  authHeaderValue: { type: 'password' },
  tlsCa: { type: 'text' },
  tlsCert: { type: 'text' },
  tlsKey: { type: 'password' },
};

function count(value: string | undefined, field: string, fallback: number, min: number): number {
  if (value === undefined || String(value).trim() === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new Error(`${field} must be a whole number >= ${min}, got "${value}"`);
  return n;
}

export function resolveWsdl(wsdl: string, userDir: string): string {
  const source = (wsdl ?? '').trim();
  if (!source) throw new Error('wsdl: no WSDL file or URL is configured');
  return /^https?:\/\//i.test(source) ? source : path.resolve(userDir, source);
}

function httpAuth(config: Partial<SoapRequestDef>, creds: SoapRequestCredentials): HttpAuth {
  if (config.wsdlAuth === 'basic') {
    return { type: 'basic', username: creds.wsdlUser ?? '', password: creds.wsdlPassword ?? '' };
  }
  if (config.wsdlAuth === 'header') {
    return { type: 'header', name: config.authHeaderName ?? '', value: creds.authHeaderValue ?? '' };
  }
  return { type: 'none' };
}

function security(config: Partial<SoapRequestDef>, creds: SoapRequestCredentials): WsSecurity {
  const type = config.security ?? 'none';
  if (type === 'x509') {
    return {
      type,
      privateKeyPem: creds.privateKey ?? '',
      certificatePem: creds.certificate ?? '',
      passphrase: creds.passphrase || undefined,
    };
  }
  if (type === 'username-text' || type === 'username-digest') {
    return { type, username: creds.username ?? '', password: creds.password ?? '' };
  }
  if (type !== 'none') throw new Error(`security: unknown type "${String(type)}"`);
  return { type: 'none' };
}

export function clientOptionsFrom(
  config: Partial<SoapRequestDef>,
  creds: SoapRequestCredentials,
  userDir: string,
): SoapClientOptions {
  return {
    wsdl: resolveWsdl(config.wsdl ?? '', userDir),
    endpoint: (config.endpoint ?? '').trim() || undefined,
    httpAuth: httpAuth(config, creds),
    authOnCalls: config.authOnCalls === true,
    tls: {
      ca: creds.tlsCa || undefined,
      cert: creds.tlsCert || undefined,
      key: creds.tlsKey || undefined,
      rejectUnauthorized: config.rejectUnauthorized !== false,
    },
    security: security(config, creds),
  };
}

export function resilienceFrom(config: Partial<SoapRequestDef>): ResilienceOptions {
  const baseDelayMs = count(config.retryDelay, 'retryDelay', 500, 0);
  return {
    timeoutMs: count(config.timeout, 'timeout', 30000, 1),
    retry: {
      retries: count(config.retries, 'retries', 3, 0),
      baseDelayMs,
      maxDelayMs: baseDelayMs * 32,
      jitter: 0.2,
    },
    breaker: {
      failureThreshold: count(config.breakerThreshold, 'breakerThreshold', 5, 1),
      resetTimeoutMs: count(config.breakerReset, 'breakerReset', 30000, 0),
    },
    retryServerFaults: config.retryServerFaults === true,
  };
}
