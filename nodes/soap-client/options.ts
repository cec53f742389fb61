import type { NodeDef } from 'node-red';
import type {
  HttpAuth,
  ResilienceOptions,
  SoapClientOptions,
  WsSecurity,
} from '../../connectors/soap/client';
import { SharedSoapClient } from '../../connectors/soap/shared-client';
import { resolveWsdlLocation } from '../../connectors/soap/wsdl-location';

/**
 * What describes one outbound SOAP endpoint: saved on a soap-client config node, or, in flows saved
 * before soap-client existed, inline on a soap-request node (its `inlineClient`).
 *
 * The circuit breaker is here and not on soap-request because it guards the endpoint: every node
 * calling a dead CRM should fail fast once the circuit opens, not each find out on its own. Timeout
 * and retries stay per soap-request: they belong to the operation (a slow report, a non-idempotent
 * create that must not be retried).
 */
export interface SoapClientConfig {
  /** file (relative to the user directory), builtin:<name> or http(s) URL */
  wsdl: string;
  endpoint: string;
  security: 'none' | 'username-text' | 'username-digest' | 'x509';
  wsdlAuth: 'none' | 'basic' | 'header';
  authHeaderName: string;
  authOnCalls: boolean;
  rejectUnauthorized: boolean;
  breakerThreshold: string;
  breakerReset: string;
}

export interface SoapClientDef extends NodeDef, SoapClientConfig {}

/** Kept in Node-RED's encrypted credentials file, never in the flow JSON. */
export interface SoapClientCredentials {
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

export const credentialTypes: Record<keyof SoapClientCredentials, { type: 'text' | 'password' }> = {
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

/** The fields of SoapClientConfig, for the migration that moves them off old soap-request nodes. */
export const CLIENT_FIELDS: readonly (keyof SoapClientConfig)[] = [
  'wsdl',
  'endpoint',
  'security',
  'wsdlAuth',
  'authHeaderName',
  'authOnCalls',
  'rejectUnauthorized',
  'breakerThreshold',
  'breakerReset',
];

/** A whole-number field of the editor (saved as text); empty means the default. */
export function count(value: string | undefined, field: string, fallback: number, min: number): number {
  if (value === undefined || String(value).trim() === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new Error(`${field} must be a whole number >= ${min}, got "${value}"`);
  return n;
}

function httpAuth(config: Partial<SoapClientConfig>, creds: SoapClientCredentials): HttpAuth {
  if (config.wsdlAuth === 'basic') {
    return { type: 'basic', username: creds.wsdlUser ?? '', password: creds.wsdlPassword ?? '' };
  }
  if (config.wsdlAuth === 'header') {
    return { type: 'header', name: config.authHeaderName ?? '', value: creds.authHeaderValue ?? '' };
  }
  return { type: 'none' };
}

function security(config: Partial<SoapClientConfig>, creds: SoapClientCredentials): WsSecurity {
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
  config: Partial<SoapClientConfig>,
  creds: SoapClientCredentials,
  userDir: string,
): SoapClientOptions {
  return {
    wsdl: resolveWsdlLocation(config.wsdl ?? '', userDir),
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

export function breakerFrom(config: Partial<SoapClientConfig>): ResilienceOptions['breaker'] {
  return {
    failureThreshold: count(config.breakerThreshold, 'breakerThreshold', 5, 1),
    resetTimeoutMs: count(config.breakerReset, 'breakerReset', 30000, 0),
  };
}

/** The shared client a config (a soap-client's, or an old soap-request's own) describes. */
export function sharedClientFrom(
  config: Partial<SoapClientConfig>,
  creds: SoapClientCredentials,
  userDir: string,
): SharedSoapClient {
  return new SharedSoapClient(clientOptionsFrom(config, creds, userDir), { breaker: breakerFrom(config) });
}

/** The Node-RED user directory: WSDL files are found relative to it. */
export function userDirOf(RED: { settings: unknown }): string {
  return (RED.settings as { userDir?: string }).userDir ?? process.cwd();
}
