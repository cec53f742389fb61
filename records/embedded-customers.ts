import type { Database } from 'lmdb';
import { customerSupersedes } from './customer-order';
import type { CustomerWriteResult, StoredCustomer, VersionedCustomer } from './store';

/**
 * putCustomer's write of a checked customer (normalizeCustomer), inside an LMDB write transaction: of
 * its own (EmbeddedStore.putCustomer) or a golden link's, which writes the customer with the change.
 */
export function writeCustomer(
  customers: Database<VersionedCustomer, string>,
  next: StoredCustomer,
): CustomerWriteResult {
  const stored = customers.get(next.customerRef);
  if (stored === undefined) {
    void customers.put(next.customerRef, { ...next, version: 1 });
    return { created: true, changed: true, version: 1 };
  }
  if (!customerSupersedes(next, stored)) return { created: false, changed: false, version: stored.version };
  const version = stored.version + 1;
  void customers.put(next.customerRef, { ...next, version });
  return { created: false, changed: true, version };
}
