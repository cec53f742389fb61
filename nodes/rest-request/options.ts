import type { NodeDef } from 'node-red';
import { checkPath, DEFAULT_BODY_LIMIT, HTTP_METHODS, type HttpMethod } from '../../connectors/http';
import { wholeNumber } from '../rest-client/options';

export interface RestRequestDef extends NodeDef {
  /** the rest-client config node */
  client: string;
  method: string;
  /** relative to the client's base URL, with {name} placeholders filled from msg.params */
  path: string;
  /** bytes; empty: 1 MiB */
  maxRequest: string;
  maxResponse: string;
}

export interface RequestSettings {
  method: HttpMethod;
  path: string;
  maxRequestBytes: number;
  maxResponseBytes: number;
}

/** The node's own settings, checked once at deploy. */
export function requestSettingsFrom(config: Partial<RestRequestDef>): RequestSettings {
  const method = String(config.method || 'POST').toUpperCase() as HttpMethod;
  if (!HTTP_METHODS.includes(method))
    throw new Error(`method must be one of ${HTTP_METHODS.join(', ')}, got "${config.method}"`);
  const path = (config.path ?? '').trim();
  checkPath(path);
  return {
    method,
    path,
    maxRequestBytes: wholeNumber(config.maxRequest, 'maxRequest', DEFAULT_BODY_LIMIT, 1),
    maxResponseBytes: wholeNumber(config.maxResponse, 'maxResponse', DEFAULT_BODY_LIMIT, 1),
  };
}
