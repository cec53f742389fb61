import {
  backoffDelay,
  CircuitBreaker,
  CircuitOpenError,
  retry,
  type CircuitState,
} from '../../../../connectors/resilience';
import { FakeClock } from '../../../fixtures/soap-outbound/fake-clock';

class Transient extends Error {}
class Permanent extends Error {}
const isTransient = (err: unknown) => err instanceof Transient;

describe('retry', () => {
  it('backs off exponentially up to the maximum and succeeds on the last allowed attempt', async () => {
    const delays: number[] = [];
    let calls = 0;
    const value = await retry(
      async (attempt) => {
        calls += 1;
        expect(attempt).toBe(calls);
        if (attempt < 5) throw new Transient(`fail ${attempt}`);
        return 'ok';
      },
      {
        retries: 4,
        baseDelayMs: 100,
        maxDelayMs: 500,
        isTransient,
        sleep: async (ms) => void delays.push(ms),
      },
    );
    expect(value).toBe('ok');
    expect(calls).toBe(5);
    expect(delays).toEqual([100, 200, 400, 500]);
  });

  it('gives up after the configured retries with the last error', async () => {
    let calls = 0;
    const run = retry(
      async () => {
        calls += 1;
        throw new Transient(`fail ${calls}`);
      },
      { retries: 2, baseDelayMs: 10, maxDelayMs: 100, isTransient, sleep: async () => undefined },
    );
    await expect(run).rejects.toThrow('fail 3');
    expect(calls).toBe(3);
  });

  it('does not retry an error that is not transient', async () => {
    let calls = 0;
    const slept: number[] = [];
    const run = retry(
      async () => {
        calls += 1;
        throw new Permanent('client fault');
      },
      { retries: 5, baseDelayMs: 10, maxDelayMs: 100, isTransient, sleep: async (ms) => void slept.push(ms) },
    );
    await expect(run).rejects.toBeInstanceOf(Permanent);
    expect(calls).toBe(1);
    expect(slept).toEqual([]);
  });

  it('applies jitter downward within the jitter fraction', async () => {
    const delays: number[] = [];
    const onRetry = jest.fn();
    await expect(
      retry(
        async () => {
          throw new Transient('x');
        },
        {
          retries: 2,
          baseDelayMs: 1000,
          maxDelayMs: 10000,
          jitter: 0.5,
          random: () => 1,
          isTransient,
          onRetry,
          sleep: async (ms) => void delays.push(ms),
        },
      ),
    ).rejects.toThrow('x');
    expect(delays).toEqual([500, 1000]);
    expect(onRetry).toHaveBeenCalledTimes(2);
    expect(onRetry.mock.calls[1]).toEqual([expect.any(Transient), 2, 1000]);
  });

  it('computes the delay for an attempt', () => {
    expect(backoffDelay(1, { baseDelayMs: 50, maxDelayMs: 1000 })).toBe(50);
    expect(backoffDelay(6, { baseDelayMs: 50, maxDelayMs: 1000 })).toBe(1000);
  });
});

describe('CircuitBreaker', () => {
  const fail = () => Promise.reject(new Transient('down'));
  const ok = () => Promise.resolve('up');

  function breaker(clock: FakeClock, halfOpenMaxCalls = 1) {
    const b = new CircuitBreaker({
      failureThreshold: 3,
      resetTimeoutMs: 10_000,
      halfOpenMaxCalls,
      isFailure: isTransient,
      clock,
      name: 'http://crm/activity',
    });
    const states: CircuitState[] = [];
    b.on('state', (s) => states.push(s));
    return { b, states };
  }

  it('opens after the threshold, rejects fast while open, half-opens after the reset time and closes on success', async () => {
    const clock = new FakeClock();
    const { b, states } = breaker(clock);
    for (let i = 0; i < 3; i++) await expect(b.call(fail)).rejects.toThrow('down');
    expect(b.state).toBe('open');

    const fn = jest.fn(ok);
    const rejected = await b.call(fn).catch((e: unknown) => e);
    expect(rejected).toBeInstanceOf(CircuitOpenError);
    expect((rejected as CircuitOpenError).message).toContain('http://crm/activity');
    expect((rejected as CircuitOpenError).retryAt).toBe(clock.now() + 10_000);
    expect(fn).not.toHaveBeenCalled();

    clock.advance(9_999);
    expect(b.state).toBe('open');
    clock.advance(1);
    // the timer announced half-open without any call
    expect(states).toEqual(['open', 'half-open']);
    await expect(b.call(ok)).resolves.toBe('up');
    expect(b.state).toBe('closed');
    expect(states).toEqual(['open', 'half-open', 'closed']);
  });

  it('opens again when the half-open trial fails', async () => {
    const clock = new FakeClock();
    const { b, states } = breaker(clock);
    for (let i = 0; i < 3; i++) await expect(b.call(fail)).rejects.toThrow();
    clock.advance(10_000);
    await expect(b.call(fail)).rejects.toThrow('down');
    expect(b.state).toBe('open');
    expect(states).toEqual(['open', 'half-open', 'open']);
    // a fresh reset period starts at the trial failure
    clock.advance(5_000);
    await expect(b.call(ok)).rejects.toBeInstanceOf(CircuitOpenError);
  });

  it('lets only halfOpenMaxCalls trials through at once and needs all of them to succeed', async () => {
    const clock = new FakeClock();
    const { b } = breaker(clock, 2);
    for (let i = 0; i < 3; i++) await expect(b.call(fail)).rejects.toThrow();
    clock.advance(10_000);
    let release!: () => void;
    const slow = b.call(() => new Promise<string>((r) => (release = () => r('slow'))));
    const second = b.call(ok);
    await expect(b.call(ok)).rejects.toBeInstanceOf(CircuitOpenError);
    await second;
    expect(b.state).toBe('half-open');
    release();
    await slow;
    expect(b.state).toBe('closed');
  });

  it('counts only consecutive failures, and errors that are not failures reset the count', async () => {
    const clock = new FakeClock();
    const { b } = breaker(clock);
    await expect(b.call(fail)).rejects.toThrow();
    await expect(b.call(fail)).rejects.toThrow();
    await expect(b.call(() => Promise.reject(new Permanent('client fault')))).rejects.toThrow('client fault');
    expect(b.consecutiveFailures).toBe(0);
    await expect(b.call(fail)).rejects.toThrow();
    await expect(b.call(fail)).rejects.toThrow();
    expect(b.state).toBe('closed');
    await expect(b.call(fail)).rejects.toThrow();
    expect(b.state).toBe('open');
  });

  it('rejects a nonsensical configuration naming the field', () => {
    expect(() => new CircuitBreaker({ failureThreshold: 0, resetTimeoutMs: 1 })).toThrow('failureThreshold');
    expect(() => new CircuitBreaker({ failureThreshold: 1, resetTimeoutMs: -1 })).toThrow('resetTimeoutMs');
  });
});
