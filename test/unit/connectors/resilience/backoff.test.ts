import { backoffDelay, CircuitOpenError } from '../../../../connectors/resilience';

describe('backoffDelay: the one backoff of the SOAP client and the bus', () => {
  const options = { baseDelayMs: 500, maxDelayMs: 30_000 };

  it('doubles from the first delay up to the maximum', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffDelay(n, options))).toEqual([
      500, 1000, 2000, 4000, 8000, 16000, 30000, 30000,
    ]);
  });

  it('takes jitter off the delay, never adding to it', () => {
    const jittered = { ...options, jitter: 0.2 };
    expect(backoffDelay(3, jittered, () => 0)).toBe(2000);
    expect(backoffDelay(3, jittered, () => 0.5)).toBe(1800);
    expect(backoffDelay(3, jittered, () => 0.999999)).toBe(1600);
    // a jitter outside 0..1 is clamped, so a delay is never negative
    expect(backoffDelay(1, { ...options, jitter: 5 }, () => 1)).toBe(0);
  });

  it('stays at the maximum after a long outage instead of overflowing', () => {
    // the bus counts reconnect attempts for as long as the broker is down
    expect(backoffDelay(5000, options, () => 0)).toBe(30_000);
    expect(backoffDelay(5000, { baseDelayMs: 0, maxDelayMs: 1000 })).toBe(0);
    expect(backoffDelay(0, options)).toBe(500);
  });

  it('gives an open circuit the kind flows route on, as an own code Node-RED copies to msg.error', () => {
    const err = new CircuitOpenError('http://crm/activity', 0);
    expect(err.kind).toBe('circuit-open');
    expect(Object.prototype.hasOwnProperty.call(err, 'code')).toBe(true);
    expect(err.code).toBe('circuit-open');
  });
});
