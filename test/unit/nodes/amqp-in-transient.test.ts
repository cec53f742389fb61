import { BusError } from '../../../connectors/amqp/bus-error';
import { requeuePauseMs } from '../../../connectors/amqp/requeue-pause';
import { isPassingFailure, isTransientBusFailure } from '../../../nodes/amqp-in/completion-hooks';
import { isStoreUnavailable } from '../../../records/store-unavailable';

describe('amqp-in: which flow failures send the message back to the queue', () => {
  it.each(['outcome-unknown', 'not-connected', 'closed', 'blocked'] as const)(
    '%s: the bus was away, so retry',
    (kind) => {
      expect(isTransientBusFailure(new BusError(kind, 'bus away'))).toBe(true);
    },
  );

  it.each(['nacked', 'unroutable', 'refused'] as const)(
    '%s: says something about the message, so dead-letter',
    (kind) => {
      expect(isTransientBusFailure(new BusError(kind, 'no'))).toBe(false);
    },
  );

  it('any other error, or none, is not a bus outage', () => {
    expect(isTransientBusFailure(new Error('outcome-unknown'))).toBe(false);
    expect(isTransientBusFailure(Object.assign(new Error('x'), { code: 'closed' }))).toBe(false);
    expect(isTransientBusFailure(undefined)).toBe(false);
  });
});

describe('amqp-in: a store that cannot be reached is a passing failure too', () => {
  const pg = (code: string, message = 'x') => Object.assign(new Error(message), { code });

  it('connection refused, reset, timed out; PostgreSQL shutting down; the driver losing its connection', () => {
    for (const error of [
      pg('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432'),
      pg('ECONNRESET'),
      pg('ETIMEDOUT'),
      pg('57P01', 'terminating connection due to administrator command'),
      pg('08006'),
      new Error('Connection terminated unexpectedly'),
      new Error('timeout exceeded when trying to connect'),
      new Error('golden record failed', { cause: pg('ECONNREFUSED') }),
      new AggregateError([pg('ECONNREFUSED'), pg('ECONNREFUSED')], 'connect failed'),
    ]) {
      expect({ error: String(error), passing: isPassingFailure(error) }).toEqual({
        error: String(error),
        passing: true,
      });
    }
    expect(isStoreUnavailable(pg('ECONNREFUSED'))).toBe(true);
  });

  it('a refusal about the data is no outage: a constraint, a bad value, a plain error', () => {
    for (const error of [
      pg('23505', 'duplicate key value violates unique constraint'),
      pg('22P02', 'invalid input syntax'),
      new Error('golden record: customer crm:1 is no valid canonical customer'),
      new AggregateError([pg('ECONNREFUSED'), new Error('bad')], 'mixed'),
      undefined,
      'ECONNREFUSED',
    ]) {
      expect(isPassingFailure(error)).toBe(false);
    }
  });

  it('waits 1 s, then twice as long on each redelivery, at most 30 s', () => {
    const pause = (count?: unknown) =>
      requeuePauseMs({ headers: count === undefined ? {} : { 'x-delivery-count': count } });
    expect([pause(), pause(0), pause(1), pause(2), pause(4), pause(5), pause(19), pause('x')]).toEqual([
      1000, 1000, 2000, 4000, 16000, 30000, 30000, 1000,
    ]);
  });
});
