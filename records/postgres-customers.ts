import type { PoolClient } from 'pg';
import { customerSupersedes } from './customer-order';
import type { CustomerWriteResult, StoredCustomer } from './store';

export interface CustomerRow {
  customer_ref: string;
  version: number;
  updated_at: Date;
  source_system: string;
  doc: Record<string, unknown>;
}

/**
 * putCustomer's write of a checked customer (normalizeCustomer) on a client inside a transaction: of
 * its own (PostgresStore.putCustomer) or a golden link's, which writes the customer with the change.
 * The order is the golden record's (customerSupersedes: the system's sequence, then time, then a
 * digest), decided here rather than in SQL; the row lock serialises concurrent writers, also those of
 * other hub instances, between the read and the write.
 */
export async function upsertCustomer(
  client: PoolClient,
  table: string,
  next: StoredCustomer,
): Promise<CustomerWriteResult> {
  const inserted = await client.query(
    `insert into ${table} (customer_ref, version, updated_at, source_system, doc)
     values ($1, 1, $2, $3, $4) on conflict (customer_ref) do nothing`,
    [next.customerRef, next.updatedAt, next.sourceSystem, JSON.stringify(next.document)],
  );
  if (inserted.rowCount === 1) return { created: true, changed: true, version: 1 };
  const held = await client.query<CustomerRow>(
    `select customer_ref, version, updated_at, source_system, doc
     from ${table} where customer_ref = $1 for update`,
    [next.customerRef],
  );
  const row = held.rows[0];
  const stored: StoredCustomer = {
    customerRef: row.customer_ref,
    document: row.doc,
    updatedAt: row.updated_at.toISOString(),
    sourceSystem: row.source_system,
  };
  if (!customerSupersedes(next, stored)) return { created: false, changed: false, version: row.version };
  const updated = await client.query<{ version: number }>(
    `update ${table} set version = version + 1, updated_at = $2, source_system = $3, doc = $4
     where customer_ref = $1 returning version`,
    [next.customerRef, next.updatedAt, next.sourceSystem, JSON.stringify(next.document)],
  );
  return { created: false, changed: true, version: updated.rows[0].version };
}
