/**
 * XML Schema regular expressions in JavaScript. XSD patterns are implicitly anchored, treat ^ and $
 * as ordinary characters, allow escapes JavaScript's unicode mode refuses (\-) and have the XML name
 * classes \i and \c. Block escapes (\p{IsBasicLatin}) and class subtraction ([a-z-[aeiou]]) have no
 * JavaScript equivalent: such a pattern translates to undefined and is reported, not guessed.
 */
const NAME_START =
  'A-Z_a-z:\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C-\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD';
const NAME_CHAR = `${NAME_START}\\-.0-9\\u00B7\\u0300-\\u036F\\u203F-\\u2040`;
const CLASSES: Record<string, [string, boolean]> = {
  i: [NAME_START, false],
  I: [NAME_START, true],
  c: [NAME_CHAR, false],
  C: [NAME_CHAR, true],
};

export function xsdPatternToJs(pattern: string): string | undefined {
  let out = '';
  let depth = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      const next = pattern[i + 1];
      if (next === undefined) return undefined;
      i++;
      const named = CLASSES[next];
      if (named) {
        const [ranges, negated] = named;
        if (depth > 0 && negated) return undefined;
        out += depth > 0 ? ranges : `[${negated ? '^' : ''}${ranges}]`;
      } else if ((next === 'p' || next === 'P') && pattern.startsWith('{Is', i + 1)) {
        return undefined;
      } else if (next === '-' && depth === 0) {
        out += '-';
      } else {
        out += `\\${next}`;
      }
    } else if (c === '[') {
      if (depth > 0 && pattern[i - 1] === '-') return undefined;
      depth++;
      out += c;
    } else if (c === ']' && depth > 0) {
      depth--;
      out += c;
    } else if (depth === 0 && (c === '$' || c === '^')) {
      out += `\\${c}`;
    } else {
      out += c;
    }
  }
  try {
    new RegExp(`^(?:${out})$`, 'u');
    return out;
  } catch {
    return undefined;
  }
}
