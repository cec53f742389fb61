import { EventEmitter } from 'node:events';
import type { Node } from 'node-red';
import { countStatus, type StatusCounts } from '../../../nodes/shared/red';

/** The part of a Node-RED node countStatus uses: status() and the close event. */
function fakeNode(): { node: Node; shown: unknown[]; close(): void } {
  const events = new EventEmitter();
  const shown: unknown[] = [];
  const node = Object.assign(events, { status: (s: unknown) => shown.push(s) }) as unknown as Node;
  return { node, shown, close: () => events.emit('close') };
}

const text = ({ ok, failed }: StatusCounts) => `${ok} ok, ${failed} failed`;

describe('countStatus', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('shows the first count at once, then at most one status per 100 ms with the newest counts', () => {
    const { node, shown } = fakeNode();
    const counts = { ok: 0, failed: 0 };
    counts.ok += 1;
    countStatus(node, counts, text);
    expect(shown).toEqual([{ fill: 'green', shape: 'dot', text: '1 ok, 0 failed' }]);
    for (let i = 0; i < 50; i++) {
      jest.advanceTimersByTime(1);
      counts.ok += 1;
      countStatus(node, counts, text);
    }
    counts.failed += 1;
    countStatus(node, counts, text);
    expect(shown).toHaveLength(1);
    jest.advanceTimersByTime(50);
    expect(shown).toEqual([
      { fill: 'green', shape: 'dot', text: '1 ok, 0 failed' },
      { fill: 'yellow', shape: 'dot', text: '51 ok, 1 failed' },
    ]);
    // quiet for longer than the interval: the next count shows at once again
    jest.advanceTimersByTime(500);
    counts.ok += 1;
    countStatus(node, counts, text);
    expect(shown[2]).toEqual({ fill: 'yellow', shape: 'dot', text: '52 ok, 1 failed' });
  });

  it('keeps nodes apart, and sets nothing on a node after it closed', () => {
    const a = fakeNode();
    const b = fakeNode();
    countStatus(a.node, { ok: 1, failed: 0 }, text);
    countStatus(b.node, { ok: 7, failed: 0 }, text);
    expect(b.shown).toHaveLength(1);
    countStatus(a.node, { ok: 2, failed: 0 }, text);
    a.close();
    jest.advanceTimersByTime(1000);
    expect(a.shown).toEqual([{ fill: 'green', shape: 'dot', text: '1 ok, 0 failed' }]);
  });
});
