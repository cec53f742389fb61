import { useEffect, useState } from 'preact/hooks';

/**
 * Loads what `load` finds for a customer whenever the customer or `asked` changes, and forgets an
 * answer that arrives after the customer changed (a slow reply must not overwrite the newer one).
 */
export function useLookup<T>(customer: string, asked: number, load: (customer: string) => Promise<T>) {
  const [answer, setAnswer] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!customer) {
      // the view opened again without a customer (its tab): nothing asked, so nothing answered
      setAnswer(undefined);
      setError(undefined);
      setBusy(false);
      return;
    }
    let current = true;
    setBusy(true);
    setError(undefined);
    load(customer)
      .then((found) => current && setAnswer(found))
      .catch((err: unknown) => {
        if (!current) return;
        setAnswer(undefined);
        setError(err);
      })
      .finally(() => current && setBusy(false));
    return () => {
      current = false;
    };
    // `load` is a fresh closure each render; the customer and the ask decide a reload
  }, [customer, asked]);

  return { answer, error, busy };
}
