/**
 * How a thrown value reads in a log line, a status or a dead-letter reason. Anything may be thrown
 * (a string, a driver's plain object), so every layer needs the same answer; it sits on the ground floor.
 */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
