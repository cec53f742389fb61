import { KeyedLanes } from '../../../records/keyed-lanes';

const tick = () => new Promise((r) => setImmediate(r));

/** A work item that waits until released and records when it started and ended. */
function gate(log: string[], name: string) {
  let release: () => void = () => undefined;
  const released = new Promise<void>((r) => (release = r));
  return {
    release,
    work: async () => {
      log.push(`start ${name}`);
      await released;
      log.push(`end ${name}`);
      return name;
    },
  };
}

describe('KeyedLanes', () => {
  it('runs the items of one key one after the other, in the order handed in', async () => {
    const lanes = new KeyedLanes();
    const log: string[] = [];
    const a = gate(log, 'a1');
    const b = gate(log, 'a2');
    const first = lanes.run('a', a.work);
    const second = lanes.run('a', b.work);
    await tick();
    expect(log).toEqual(['start a1']);
    b.release();
    await tick();
    expect(log).toEqual(['start a1']);
    a.release();
    await expect(first).resolves.toBe('a1');
    await expect(second).resolves.toBe('a2');
    expect(log).toEqual(['start a1', 'end a1', 'start a2', 'end a2']);
  });

  it('runs items of different keys side by side', async () => {
    const lanes = new KeyedLanes();
    const log: string[] = [];
    const a = gate(log, 'a');
    const b = gate(log, 'b');
    const both = Promise.all([lanes.run('a', a.work), lanes.run('b', b.work)]);
    await tick();
    expect(log).toEqual(['start a', 'start b']);
    b.release();
    a.release();
    await expect(both).resolves.toEqual(['a', 'b']);
  });

  it('fails only the caller of a failed item; the next one in the lane still runs', async () => {
    const lanes = new KeyedLanes();
    const failed = lanes.run('a', () => Promise.reject(new Error('refused')));
    const next = lanes.run('a', async () => 'next');
    await expect(failed).rejects.toThrow('refused');
    await expect(next).resolves.toBe('next');
  });

  it('forgets a lane once its work is done', async () => {
    const lanes = new KeyedLanes();
    await Promise.all([lanes.run('a', async () => 1), lanes.run('b', async () => 2)]);
    await tick();
    expect(lanes.size).toBe(0);
  });
});
