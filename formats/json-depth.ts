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
