/** xsd:decimal and the integer types have no exponent; JavaScript writes one past 1e21 and below 1e-6. */
import { plainDecimal, toLexical } from '../../../../../connectors/soap/xsd/encode';
import type { XsdType } from '../../../../../connectors/soap/xsd/model';

const simple = (builtin: string) =>
  ({ kind: 'simple', name: builtin, builtin, facets: {} }) as unknown as XsdType;

describe('numbers in a SOAP answer', () => {
  it('writes the same digits without an exponent', () => {
    expect(plainDecimal('1e+22')).toBe('10000000000000000000000');
    expect(plainDecimal('-1.25e+21')).toBe('-1250000000000000000000');
    expect(plainDecimal('1.5e-7')).toBe('0.00000015');
    expect(plainDecimal('-2e-7')).toBe('-0.0000002');
    expect(plainDecimal('123.45')).toBe('123.45');
  });

  it('uses it for decimal and the integers, and keeps the exponent for float and double', () => {
    expect(toLexical(simple('decimal'), 1e22)).toBe('10000000000000000000000');
    expect(toLexical(simple('integer'), 1e21)).toBe('1000000000000000000000');
    expect(toLexical(simple('decimal'), 0.0000001)).toBe('0.0000001');
    expect(toLexical(simple('double'), 1e22)).toBe('1e+22');
    expect(toLexical(simple('decimal'), 27000.5)).toBe('27000.5');
  });
});
