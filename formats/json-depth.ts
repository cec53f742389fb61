/**
 * Nesting past this is no document a channel or a legacy system sends, and walking it (a deep clone,
 * a recursive copy) would exhaust the stack. The REST API and every JSON reader of the hub take this
 * much.
 */
export const MAX_JSON_DEPTH = 100;

/** The nesting of a parsed JSON value, walked without recursion (it is what a deep one would exhaust). */
export function jsonDepth(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth + 1 > deepest) deepest = depth + 1;
    if (deepest > MAX_JSON_DEPTH) return deepest;
    for (const child of Object.values(node))
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
  }
  return deepest;
}

/** Why a parsed JSON value is refused for its nesting ("nested more than 100 …"), or undefined. */
export function tooDeeplyNested(value: unknown): string | undefined {
  return jsonDepth(value) > MAX_JSON_DEPTH
    ? `nested more than ${MAX_JSON_DEPTH} levels deep; at most ${MAX_JSON_DEPTH} are taken`
    : undefined;
}

/**
 * Where a parsed JSON value holds a number JSON.parse made ±Infinity (1e400: beyond a double), as
 * "data.loanAmount" or "[0].amount.value" ('' for the value itself); undefined when there is none.
 * JSON.stringify would write such a number as null, so keeping it would change the data silently.
 */
export function numberOutOfRangeAt(value: unknown): string | undefined {
  const stack: [unknown, string][] = [[value, '']];
  while (stack.length > 0) {
    const [node, path] = stack.pop()!;
    if (typeof node === 'number') {
      if (!Number.isFinite(node)) return path;
    } else if (Array.isArray(node)) {
      // pushed last to first, so the first one in the document is named
      for (let i = node.length - 1; i >= 0; i--) push(stack, node[i], `${path}[${i}]`);
    } else if (typeof node === 'object' && node !== null) {
      const keys = Object.keys(node);
      for (let i = keys.length - 1; i >= 0; i--)
        push(stack, (node as Record<string, unknown>)[keys[i]], path ? `${path}.${keys[i]}` : keys[i]);
    }
  }
  return undefined;
}

function push(stack: [unknown, string][], child: unknown, path: string): void {
  // strings, booleans and null cannot be out of range: no path is built for them
  if (typeof child === 'number' || (typeof child === 'object' && child !== null)) stack.push([child, path]);
}

const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * The nesting of JSON text, read from its bytes before it is parsed, or `max + 1` as soon as it goes
 * deeper than `max`: JSON.parse takes seconds over a few MB of brackets (12.7 s for 2.4 million), so a
 * body that deep must be refused unparsed. Brackets inside strings do not count; the text need not be
 * valid JSON (the parser refuses what is not).
 */
export function jsonTextDepth(bytes: Uint8Array, max = MAX_JSON_DEPTH): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (inString) {
      if (byte === BACKSLASH) i++;
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) inString = true;
    else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
      if (++depth > deepest) deepest = depth;
      if (deepest > max) return deepest;
    } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) depth--;
  }
  return deepest;
}
