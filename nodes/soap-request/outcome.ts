import type { NodeMessage } from 'node-red';
import { SoapCallError, soapErrorKind, type CallOutcome } from '../../connectors/soap/client';
import { errorMessage } from '../shared/red';

export type RequestMessage = NodeMessage & {
  operation?: unknown;
  idempotencyKey?: unknown;
  fault?: unknown;
  soap?: unknown;
};

/** msg.operation when it names one, else the configured operation. */
export function operationOf(msg: RequestMessage, configured: string): string {
  return typeof msg.operation === 'string' && msg.operation.trim() ? msg.operation.trim() : configured;
}

export function answered(msg: RequestMessage, operation: string, outcome: CallOutcome): void {
  msg.payload = outcome.result;
  msg.soap = {
    operation,
    attempts: outcome.attempts,
    messageId: outcome.messageId,
    traceparent: outcome.traceparent,
  };
}

/**
 * What failed, on the msg a Catch node gets: msg.soap.error is the kind to route on (fault, http,
 * network, timeout, circuit-open, ...), and a SOAP Fault's code, string and detail are in msg.fault.
 */
export function failed(msg: RequestMessage, operation: string, err: unknown): void {
  const attempts = err instanceof SoapCallError ? (err.attempts ?? 1) : 1;
  msg.soap = { operation, attempts, error: soapErrorKind(err), reason: errorMessage(err) };
  const fault = err instanceof SoapCallError ? err.fault : undefined;
  if (fault) msg.fault = { code: fault.code, string: fault.string, detail: fault.detail };
}
