import type { FieldDef } from '../../../../connectors/soap/types';
import { normalizeRepeats } from '../../../../connectors/soap/validate';

const field = (name: string, maxOccurs: number, children?: FieldDef[]): FieldDef => ({
  name,
  type: children ? 'complex' : 'string',
  minOccurs: 0,
  maxOccurs,
  ...(children ? { children } : {}),
});

describe('normalizeRepeats', () => {
  const fields = [
    field('customer', 1, [field('givenName', 1), field('consents', Infinity, [field('channel', 1)])]),
    field('details', Infinity),
  ];

  it('makes a repeatable element sent once an array, nested too', () => {
    expect(
      normalizeRepeats(fields, {
        customer: { givenName: 'Anna', consents: { channel: 'email' } },
        details: 'x',
      }),
    ).toEqual({
      customer: { givenName: 'Anna', consents: [{ channel: 'email' }] },
      details: ['x'],
    });
  });

  it('leaves arrays, single elements and absent elements as they are', () => {
    const body = { customer: { givenName: 'Anna', consents: [{ channel: 'email' }, { channel: 'sms' }] } };
    expect(normalizeRepeats(fields, body)).toEqual(body);
  });
});
