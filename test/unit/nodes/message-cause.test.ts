import type { NodeMessage } from 'node-red';
import { causeOf } from '../../../nodes/golden-record/message-cause';
import { isStoreId, requireId } from '../../../records/store-input';

describe('isStoreId', () => {
  const values: unknown[] = [
    'evt-1',
    '',
    undefined,
    null,
    42,
    'a\u0000b',
    'lone \ud800 surrogate',
    'paired \ud83d\ude00',
    'x'.repeat(256),
    'x'.repeat(257),
  ];

  it.each(values.map((value) => [JSON.stringify(value) ?? 'undefined', value]))(
    'answers as requireId decides, without throwing: %s',
    (_, value) => {
      let taken: boolean;
      try {
        requireId(value, 'eventId');
        taken = true;
      } catch {
        taken = false;
      }
      expect(isStoreId(value)).toBe(taken);
    },
  );
});

describe('causeOf', () => {
  const msg = (amqp: object, payload: unknown = {}) => ({ _msgid: 'm1', payload, amqp }) as NodeMessage;

  it('takes the hop header first, then the payload eventId, then the AMQP message id', () => {
    expect(
      causeOf(msg({ headers: { 'x-crm-event-id': 'hop' }, messageId: 'amqp' }, { eventId: 'own' })).eventId,
    ).toBe('hop');
    expect(causeOf(msg({ messageId: 'amqp' }, { eventId: 'own' })).eventId).toBe('own');
    expect(causeOf(msg({ messageId: 'amqp' })).eventId).toBe('amqp');
  });

  it('passes over ids the store could not keep, and names none when no id is left', () => {
    const stray = msg({ headers: { 'x-crm-event-id': 'a\u0000b' }, messageId: 'amqp' }, { eventId: 7 });
    expect(causeOf(stray).eventId).toBe('amqp');
    const cause = causeOf(msg({ headers: {} }, 'text'));
    expect(cause).not.toHaveProperty('eventId');
    expect(cause.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
  });
});
