import { xsdPatternToJs } from '../../../../../connectors/soap/xsd/pattern';

const matches = (pattern: string, value: string): boolean =>
  new RegExp(`^(?:${xsdPatternToJs(pattern)!})$`, 'u').test(value);

describe('xsdPatternToJs', () => {
  it('reads escapes JavaScript refuses in unicode mode, as VIES writes them', () => {
    expect(matches('[A-Z]{2}\\-[1-9][0-9]?', 'DE-12')).toBe(true);
    expect(matches('[A-Z]{2}\\-[1-9][0-9]?', 'DE12')).toBe(false);
  });

  it('treats ^ and $ as characters, since XSD patterns are anchored anyway', () => {
    expect(matches('\\d+$', '12$')).toBe(true);
    expect(matches('^a', '^a')).toBe(true);
    expect(matches('[^a]', 'b')).toBe(true);
  });

  it('knows the XML name classes \\i and \\c', () => {
    expect(matches('\\i\\c*', 'xs:Name-1')).toBe(true);
    expect(matches('\\i\\c*', '1abc')).toBe(false);
  });

  it('reports what has no JavaScript form instead of guessing', () => {
    expect(xsdPatternToJs('\\p{IsBasicLatin}+')).toBeUndefined();
    expect(xsdPatternToJs('[a-z-[aeiou]]+')).toBeUndefined();
    expect(xsdPatternToJs('(unclosed')).toBeUndefined();
  });
});
