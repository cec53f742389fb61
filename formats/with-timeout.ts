/**
 * Settles as `promise` does, or rejects with `late()` after `ms`, whichever comes first; the timer is
 * cleared either way, and a rejection of `promise` after the time is up is handled, not left unhandled.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, late: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(late()), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
