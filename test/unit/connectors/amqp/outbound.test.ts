import { publicationOf } from '../../../../connectors/amqp/outbound';

describe('publicationOf', () => {
  const event = { eventId: 'evt-9', type: 'address-changed', channel: 'call-center' };

  it('routes a canonical event by event.{type}.{channel} and keeps its eventId as the message id', () => {
    expect(publicationOf(event, '', undefined)).toEqual({
      routingKey: 'event.address-changed.call-center',
      messageId: 'evt-9',
      body: Buffer.from(JSON.stringify(event)),
      contentType: 'application/json',
    });
  });

  it('prefers the node template, then msg.routingKey', () => {
    expect(publicationOf(event, 'crm.{type}', 'ignored').routingKey).toBe('crm.address-changed');
    expect(publicationOf(event, '', 'from.the.message').routingKey).toBe('from.the.message');
  });

  it('gives a document without eventId a fresh id, and sends a Buffer as it is', () => {
    const a = publicationOf({ type: 'customer', channel: 'web' }, '', undefined);
    const b = publicationOf({ type: 'customer', channel: 'web' }, '', undefined);
    expect(a.messageId).not.toBe(b.messageId);
    const raw = Buffer.from([1, 2, 3]);
    expect(publicationOf(raw, '', 'bin')).toMatchObject({
      body: raw,
      contentType: 'application/octet-stream',
    });
  });

  it('says which field the routing key needs when the payload lacks it', () => {
    expect(() => publicationOf({ eventId: 'x' }, '', undefined)).toThrow(/needs type/);
  });
});
