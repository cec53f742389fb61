/**
 * Who waits how long for a store that is opening: a queue consumer until it is open, a caller a
 * bounded time, and nobody after close. Fake stores whose open the test settles, and fake timers.
 */
import { StoreOpening } from '../../../records/store-opening';
import { STORE_WAIT_MS, StoreUnavailableError } from '../../../records/store-unavailable';

class FakeStore {
  opened = false;
  closed = false;
  settle: { resolve(): void; reject(err: unknown): void } = { resolve() {}, reject() {} };
  open(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.settle = {
        resolve: () => {
          this.opened = true;
          resolve();
        },
        reject,
      };
    });
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

function opening() {
  const made: FakeStore[] = [];
  const retries: number[] = [];
  const it = new StoreOpening<FakeStore>({
    make: () => {
      const store = new FakeStore();
      made.push(store);
      return store;
    },
    onRetry: (delayMs) => retries.push(delayMs),
    notOpen: 'not open',
    closed: 'closed',
  });
  return { it, made, retries };
}

const settled = <T>(p: Promise<T>) =>
  p.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('StoreOpening', () => {
  it('a caller waits at most STORE_WAIT_MS while the first open still runs', async () => {
    const { it: o } = opening();
    const answer = settled(o.forCaller());
    await jest.advanceTimersByTimeAsync(STORE_WAIT_MS);
    const result = await answer;
    expect(result).toEqual({ error: expect.any(StoreUnavailableError) });
    expect((result as { error: StoreUnavailableError }).error).toMatchObject({
      code: 'store-unavailable',
      message: 'not open',
    });
  });

  it('a caller that waits gets the store once it opens in time', async () => {
    const { it: o, made } = opening();
    const answer = o.forCaller();
    made[0]!.settle.resolve();
    expect(await answer).toBe(made[0]);
    expect(await o.forCaller()).toBe(made[0]);
  });

  it('a caller that waits learns of a failed attempt at once, with the driver error as cause; later callers at once too', async () => {
    const { it: o, made, retries } = opening();
    const answer = settled(o.forCaller());
    const refused = Object.assign(new Error('database "x" does not exist'), { code: '3D000' });
    made[0]!.settle.reject(refused);
    expect(await answer).toEqual({
      error: expect.objectContaining({ code: 'store-unavailable', cause: refused }),
    });
    expect(retries).toEqual([2000]);
    expect(made[0]!.closed).toBe(true);
    expect(await settled(o.forCaller())).toEqual({ error: expect.objectContaining({ message: 'not open' }) });
  });

  it('ready waits through failed attempts, with backoff, until the store opens', async () => {
    const { it: o, made, retries } = opening();
    made[0]!.settle.reject(new Error('refused'));
    await jest.advanceTimersByTimeAsync(2000);
    made[1]!.settle.reject(new Error('refused'));
    await jest.advanceTimersByTimeAsync(4000);
    made[2]!.settle.resolve();
    expect(await o.ready).toBe(made[2]);
    expect(retries).toEqual([2000, 4000]);
    expect(o.store).toBe(made[2]);
  });

  it('close fails whoever waits, stops the attempts, and closes a store whose open finishes after', async () => {
    const { it: o, made } = opening();
    const waiting = settled(o.ready);
    expect(o.close()).toBe(made[0]);
    expect(await waiting).toEqual({
      error: expect.objectContaining({ code: 'store-unavailable', message: 'closed' }),
    });
    expect(await settled(o.forCaller())).toEqual({ error: expect.objectContaining({ message: 'closed' }) });
    made[0]!.settle.resolve();
    await jest.advanceTimersByTimeAsync(60_000);
    expect(made).toHaveLength(1);
    expect(made[0]!.closed).toBe(true);
  });

  it('close after the store opened leaves ready as it was', async () => {
    const { it: o, made } = opening();
    made[0]!.settle.resolve();
    await o.ready;
    expect(o.close()).toBe(made[0]);
    expect(await o.ready).toBe(made[0]);
  });
});
