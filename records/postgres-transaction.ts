import type { Pool, PoolClient } from 'pg';

/**
 * Runs `body` in one transaction on a client of the pool: committed when `keep` says so of its
 * result, rolled back otherwise or when anything throws (the error is passed on), and the client
 * released either way. `mode` is an isolation level clause, e.g. 'repeatable read, read only'.
 */
export async function inTransaction<T>(
  pool: Pool,
  body: (client: PoolClient) => Promise<T>,
  keep: (result: T) => boolean = () => true,
  mode = '',
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query(mode ? `begin isolation level ${mode}` : 'begin');
    const result = await body(client);
    await client.query(keep(result) ? 'commit' : 'rollback');
    return result;
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
