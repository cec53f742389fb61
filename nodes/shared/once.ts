const done = new WeakMap<object, Set<string>>();

/**
 * True the first time it is asked for this (target, purpose) pair, false after. Node modules are loaded
 * once per runtime but tests and restarts hand them new express apps, so routes and listeners are
 * guarded per app (or per event emitter), not per process.
 */
export function firstTimeFor(target: object, purpose: string): boolean {
  let purposes = done.get(target);
  if (!purposes) done.set(target, (purposes = new Set()));
  if (purposes.has(purpose)) return false;
  purposes.add(purpose);
  return true;
}
