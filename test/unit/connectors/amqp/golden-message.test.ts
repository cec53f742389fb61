import { goldenEventOf, GOLDEN_ID_HEADER } from '../../../../connectors/amqp/golden-message';

describe('goldenEventOf: the golden event of a crm.golden message', () => {
  const event = { type: 'golden.changed', goldenId: 'g-1', eventId: 'e-1', revision: 3, document: {} };
  const properties = {
    routingKey: 'golden.changed',
    messageId: 'e-1',
    headers: { [GOLDEN_ID_HEADER]: 'g-1' },
  };

  it('takes a parsed event as it is', () => {
    expect(goldenEventOf(event, properties)).toBe(event);
  });

  it("reads raw bytes or text from the message's properties, without the body", () => {
    const unreadable = Buffer.from('not json at all');
    expect(goldenEventOf(unreadable, properties)).toEqual({
      type: 'golden.changed',
      goldenId: 'g-1',
      eventId: 'e-1',
    });
    expect(goldenEventOf('also not json', properties)).toEqual({
      type: 'golden.changed',
      goldenId: 'g-1',
      eventId: 'e-1',
    });
  });

  it('parses the body when a property is missing or empty', () => {
    const body = Buffer.from(JSON.stringify(event));
    expect(goldenEventOf(body, { ...properties, headers: {} })).toEqual(event);
    expect(goldenEventOf(body, { ...properties, messageId: '' })).toEqual(event);
    expect(goldenEventOf(JSON.stringify(event), undefined)).toEqual(event);
  });

  it('parses the body of a message that came with another routing key, as a replay straight to a queue does', () => {
    const body = Buffer.from(JSON.stringify(event));
    expect(goldenEventOf(body, { ...properties, routingKey: 'crm-hub.sync-out' })).toEqual(event);
    expect(goldenEventOf(body, { ...properties, routingKey: 'golden.merged' })).toEqual({
      type: 'golden.merged',
      goldenId: 'g-1',
      eventId: 'e-1',
    });
  });

  it('names what is missing when neither the properties nor the body tell the event', () => {
    expect(() => goldenEventOf(Buffer.from('<xml/>'), { routingKey: 'golden.changed' })).toThrow(
      /neither in the message's properties \(routing key, message id, x-crm-golden-id\) nor JSON in its body/,
    );
  });
});
