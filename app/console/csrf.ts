import { createHash, timingSafeEqual } from 'node:crypto';

/** The header every console write carries the session's token in. */
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Reads change nothing; every other method needs the token. */
export function needsCsrfCheck(method: string): boolean {
  return !SAFE_METHODS.has(method.toUpperCase());
}

/**
 * True when the header holds the session's token. Both sides are hashed first, so the comparison
 * takes the same time whatever the length of what was sent, and a wrong guess learns nothing.
 */
export function csrfTokenMatches(expected: string, given: unknown): boolean {
  if (typeof given !== 'string' || given === '' || expected === '') return false;
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}
