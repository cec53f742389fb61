/**
 * Siebel's XML converters turn repository names ("Cellular Phone #") into XML names with escape
 * sequences ("Cellular_spcPhone_spc_pnd"). The table is the one Oracle documents for the EAI XML
 * Converter's EscapeNames=True ("Element and Attribute Naming", XML Reference: Siebel EAI); any
 * other character that an XML name cannot hold is written as "_" and its decimal code point.
 */
const ESCAPES: Readonly<Record<string, string>> = {
  ' ': 'spc',
  _: 'und',
  '"': 'dqt',
  "'": 'sqt',
  ':': 'cln',
  ';': 'scn',
  '(': 'lpr',
  ')': 'rpr',
  '&': 'amp',
  ',': 'cma',
  '#': 'pnd',
  '/': 'slh',
  '?': 'qst',
  '<': 'lst',
  '>': 'grt',
};

const UNESCAPES: ReadonlyMap<string, string> = new Map(Object.entries(ESCAPES).map(([c, code]) => [code, c]));

export class SiebelNameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SiebelNameError';
  }
}

// Kept deliberately narrower than XML's NameChar: ASCII letters, digits, '-' and '.', plus
// letters outside ASCII (German umlauts appear in customer-defined field names).
const PLAIN = /^[A-Za-z0-9.-]$|^\p{L}$/u;
const PLAIN_START = /^[A-Za-z]$|^\p{L}$/u;

/** "First Name" → "First_spcName"; "Cellular Phone #" → "Cellular_spcPhone_spc_pnd". */
export function encodeSiebelName(name: string): string {
  if (name === '') throw new SiebelNameError('a Siebel name cannot be empty');
  let out = '';
  let numericBefore = false;
  for (const char of name) {
    const start = out === '';
    const code = ESCAPES[char];
    const plain = start ? PLAIN_START.test(char) : PLAIN.test(char);
    // A digit right after a numeric escape would be read as part of its code point.
    if (code !== undefined) {
      out += `_${code}`;
      numericBefore = false;
    } else if (plain && !(numericBefore && /[0-9]/.test(char))) {
      out += char;
      numericBefore = false;
    } else {
      out += `_${char.codePointAt(0)}`;
      numericBefore = true;
    }
  }
  return out;
}

/**
 * "First_spcName" → "First Name". Lenient by design: Siebel Tools lets developers edit XML tags, so
 * an underscore that starts no known escape is kept as it is rather than refused.
 */
export function decodeSiebelName(xmlName: string): string {
  return xmlName.replace(/_([a-z]{3}|[0-9]+)/g, (whole, code: string) => {
    if (/^[0-9]/.test(code)) {
      const point = Number(code);
      return point <= 0x10ffff ? String.fromCodePoint(point) : whole;
    }
    return UNESCAPES.get(code) ?? whole;
  });
}
