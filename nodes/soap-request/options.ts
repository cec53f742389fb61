import type { NodeDef } from 'node-red';
import { DEFAULT_CALL_POLICY, type CallPolicy } from '../../connectors/soap/client';
import { count, type SoapClientConfig, type SoapClientCredentials } from '../soap-client/options';

export interface SoapRequestDef extends NodeDef {
  /** the soap-client config node */
  client: string;
  operation: string;
  timeout: string;
  retries: string;
  retryDelay: string;
  retryServerFaults: boolean;
  /**
   * Flows saved before soap-client existed: the client settings the node carried itself (migration
   * 2 moves them here); used, with the node's own credentials, when no client is set.
   */
  inlineClient?: Partial<SoapClientConfig>;
}

/** Old soap-request nodes keep their credentials (now those of their inline client). */
export type SoapRequestCredentials = SoapClientCredentials;

/** Timeout and redelivery belong to the operation, so they stay on the request node. */
export function callPolicyFrom(config: Partial<SoapRequestDef>): CallPolicy {
  const baseDelayMs = count(config.retryDelay, 'retryDelay', DEFAULT_CALL_POLICY.retry.baseDelayMs, 0);
  return {
    timeoutMs: count(config.timeout, 'timeout', DEFAULT_CALL_POLICY.timeoutMs, 1),
    retry: {
      retries: count(config.retries, 'retries', DEFAULT_CALL_POLICY.retry.retries, 0),
      baseDelayMs,
      maxDelayMs: baseDelayMs * 32,
      jitter: DEFAULT_CALL_POLICY.retry.jitter,
    },
    retryServerFaults: config.retryServerFaults === true,
  };
}
