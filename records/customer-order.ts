import type { StoredCustomer } from './store';
import { acceptVersion, type SourceRecord } from './source-versions';

/**
 * Whether an arriving copy of a customer replaces the stored one: the order the golden record's
 * survivorship keeps source versions in (acceptVersion), so the per-customerRef copy the 360 shows and
 * the golden record agree. The system's sequence (`source.version` of the document: SAP's DOCNUM, a
 * change counter) decides first when both carry one, then updatedAt, and equal marks are settled by a
 * digest of the document, so the same two versions end the same in either arrival order.
 */
export function customerSupersedes(next: StoredCustomer, stored: StoredCustomer): boolean {
  return acceptVersion(asVersion(stored), asVersion(next)).accept;
}

function asVersion(customer: StoredCustomer): SourceRecord {
  const source = customer.document.source as { version?: unknown } | null | undefined;
  const version = typeof source === 'object' && source !== null ? source.version : undefined;
  return {
    // one key for both sides (acceptVersion compares versions of one record only): the ref names it
    system: 'customer',
    sourceId: customer.customerRef,
    document: customer.document,
    updatedAt: customer.updatedAt,
    ...(typeof version === 'number' && Number.isFinite(version) ? { version } : {}),
  };
}
