import { newTraceparent } from '../../connectors/http/trace-context';
import { PolicyDirectory } from '../../policies/policy-directory';
import { traceparentOf } from './trace';

/**
 * The decisions of one event share the trace its message carried; a message without one (or a wait
 * fired by the sweep, whose cause is time) starts a new trace. Explain and /decisions show it.
 */
export function decisionTraceparent(source: unknown): string {
  return traceparentOf(source) ?? newTraceparent();
}

/**
 * The directory the policy and policy-engine nodes meet in (policies/policy-directory.ts): its owners
 * are policy nodes, and the sources of their decisions are Node-RED messages.
 */
export function nodePolicyDirectory(): PolicyDirectory {
  return new PolicyDirectory({ traceOf: decisionTraceparent });
}
