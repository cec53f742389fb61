import { BusError } from '../../../connectors/amqp/bus-error';
import { isTransientBusFailure } from '../../../nodes/amqp-in/completion-hooks';

describe('amqp-in: which flow failures send the message back to the queue', () => {
  it.each(['outcome-unknown', 'not-connected', 'closed'] as const)(
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
