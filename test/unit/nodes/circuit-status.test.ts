import { EventEmitter } from 'node:events';
import type { Node } from 'node-red';
import type { CircuitState } from '../../../connectors/resilience';
import { CIRCUIT_STATUS, followState } from '../../../nodes/shared/circuit-status';

/** A client whose breaker state the test sets, as soap-client and rest-client report theirs. */
class Breaker extends EventEmitter {
  state: CircuitState = 'closed';
  to(state: CircuitState): void {
    this.state = state;
    this.emit('state', state);
  }
}

describe('followState', () => {
  it('reads "ready" until the first call, then the breaker state with the counts', () => {
    const shown: { fill?: string; text?: string }[] = [];
    const node = { status: (s: { fill?: string; text?: string }) => shown.push(s) } as unknown as Node;
    const breaker = new Breaker();
    const words = (key: string, values?: Record<string, string | number>) =>
      `${key}${values ? ` ${values.ok}/${values.failed}` : ''}`;
    const status = followState(node, 'rest-request', breaker, CIRCUIT_STATUS, words);
    expect(shown.at(-1)).toEqual({ fill: 'green', shape: 'dot', text: 'rest-request.status.ready 0/0' });

    status.counts.ok += 1;
    status.show();
    expect(shown.at(-1)?.text).toBe('rest-request.status.closed 1/0');

    breaker.to('open');
    expect(shown.at(-1)).toEqual({ fill: 'red', shape: 'dot', text: 'rest-request.status.open 1/0' });
    status.stop();

    // a node whose shared client's breaker is open before its own first call says so, not "ready"
    const later = followState(node, 'rest-request', breaker, CIRCUIT_STATUS, words);
    expect(shown.at(-1)?.text).toBe('rest-request.status.open 0/0');
    later.stop();
  });
});
