/**
 * The harness the server benchmarks share (bench/_measure.ts): the median round of a side, and the
 * cleanup that stops everything a benchmark started even when one stop fails.
 */
import { medianRound, stopAll } from '../../../bench/_measure';

describe('benchmark harness', () => {
  it('takes the median of every measure on its own, not the median round as a whole', () => {
    const rounds = [
      { p99: 5, rps: 900 },
      { p99: 3, rps: 1000 },
      { p99: 4, rps: 800 },
    ];
    expect(medianRound(rounds)).toEqual({ p99: 4, rps: 900 });
  });

  it('runs every stop in order and logs one that fails without skipping the rest', async () => {
    const ran: string[] = [];
    const logged = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      await stopAll([
        () => ran.push('hub'),
        () => {
          ran.push('anchor');
          throw new Error('already gone');
        },
        async () => {
          ran.push('vhost');
        },
      ]);
      expect(ran).toEqual(['hub', 'anchor', 'vhost']);
      expect(logged).toHaveBeenCalledWith('cleanup:', expect.objectContaining({ message: 'already gone' }));
    } finally {
      logged.mockRestore();
    }
  });
});
