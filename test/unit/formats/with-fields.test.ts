import { withFields } from '../../../formats/with-fields';

describe('withFields: an object with fields set, as spread makes it', () => {
  it('keeps the other fields, sets the new ones over the old and leaves the message alone', () => {
    const tag = Symbol('tag');
    const msg = { _msgid: 'm1', payload: Buffer.from('x'), amqp: { routingKey: 'k' }, [tag]: 1 };
    const out = withFields(msg, { payload: { id: 7 }, queue: 'crm.out.sap' });
    expect(out).toEqual({ ...msg, payload: { id: 7 }, queue: 'crm.out.sap' });
    expect(out[tag]).toBe(1);
    expect(out.amqp).toBe(msg.amqp);
    expect(msg.payload).toEqual(Buffer.from('x'));
    expect(Object.keys(msg)).toEqual(['_msgid', 'payload', 'amqp']);
  });

  it('copies an own "__proto__" field as a field, never as the prototype', () => {
    const msg = JSON.parse('{"_msgid":"m2","__proto__":{"polluted":true}}') as Record<string, unknown>;
    const out = withFields(msg, { topic: 't' }) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(out.polluted).toBeUndefined();
    expect(Object.hasOwn(out, '__proto__')).toBe(true);
    expect(out.topic).toBe('t');
  });
});
