import type { Node, NodeStatus } from 'node-red';
import type { CircuitState } from '../../connectors/resilience';
import { onInput } from './input';
import { MisconfiguredError } from './misconfigured';
import { errorMessage, type RED, type StatusCounts, type StatusWords } from './red';

export type StatusLook = Pick<NodeStatus, 'fill' | 'shape'>;

/** How a node shows the circuit breaker of the endpoint it calls. */
export const CIRCUIT_STATUS: Record<CircuitState, StatusLook> = {
  closed: { fill: 'green', shape: 'dot' },
  'half-open': { fill: 'yellow', shape: 'ring' },
  open: { fill: 'red', shape: 'dot' },
};

/** A shared client whose state the nodes calling through it show. */
export interface StateSource<S extends string> {
  readonly state: S;
  on(event: 'state', listener: (state: S) => void): unknown;
  off(event: 'state', listener: (state: S) => void): unknown;
}

export interface StateStatus<S extends string> {
  /** the node's answered and failed messages, shown with the state */
  counts: StatusCounts;
  /** shows the state (by default the client's current one) and the counts */
  show(state?: S): void;
  /** stops following the client (on close) */
  stop(): void;
}

/**
 * The node's status follows the client's state: the look `looks` gives the state and the words
 * `<type>.status.<state>` with the node's counts. Shown at once and on every change of state.
 */
export function followState<S extends string>(
  node: Node,
  type: string,
  source: StateSource<S>,
  looks: Record<S, StatusLook>,
  words: StatusWords,
): StateStatus<S> {
  const counts = { ok: 0, failed: 0 };
  // "ok · 0 ok, 0 failed" before the first call read like a verdict on calls that never happened
  const wordsFor = (state: S) => (state === 'closed' && counts.ok + counts.failed === 0 ? 'ready' : state);
  const show = (state: S = source.state) =>
    node.status({ ...looks[state], text: words(`${type}.status.${wordsFor(state)}`, { ...counts }) });
  source.on('state', show);
  show();
  return { counts, show, stop: () => source.off('state', show) };
}

/**
 * A node whose configuration cannot be used: it shows `<type>.status.invalid`, logs
 * `<type>.errors.config`, and fails every message with that error (code `misconfigured`), so messages
 * still reach a Catch node instead of vanishing.
 */
export function refuseInvalidConfig(RED: RED, node: Node, type: string, err: unknown): void {
  const error = RED._(`${type}.errors.config`, { error: errorMessage(err) });
  node.status({ fill: 'red', shape: 'ring', text: RED._(`${type}.status.invalid`) });
  node.error(error);
  onInput(
    node,
    () => {
      throw new MisconfiguredError(error);
    },
    { errorStatus: false },
  );
}
