import type { Pool, PoolClient } from 'pg';

/**
 * Runs `body` on a client of the pool and releases it. While the client is checked out, pg-pool
 * listens for none of its errors, so a connection the server ends between two queries would throw
 * an unhandled 'error' and stop the process; here it is caught, and such a client, or one `body`
 * marks as broken, is discarded instead of serving the pool's next caller.
 */
export async function withClient<T>(
  pool: Pool,
  body: (client: PoolClient, markBroken: (err: Error) => void) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const markBroken = (err: Error) => {
    broken ??= err;
  };
  client.on('error', markBroken);
  try {
    return await body(client, markBroken);
  } finally {
    client.removeListener('error', markBroken);
    client.release(broken);
  }
}

/**
 * Runs `body` in one transaction on a client of the pool: committed when `keep` says so of its
 * result, rolled back otherwise or when anything throws (the error is passed on). A client whose
 * rollback failed is discarded: it may still hold the transaction open.
 */
export async function inTransaction<T>(
  pool: Pool,
  body: (client: PoolClient) => Promise<T>,
  keep: (result: T) => boolean = () => true,
  mode = '',
): Promise<T> {
  return withClient(pool, async (client, markBroken) => {
    try {
      await client.query(mode ? `begin isolation level ${mode}` : 'begin');
      const result = await body(client);
      await client.query(keep(result) ? 'commit' : 'rollback');
      return result;
    } catch (err) {
      await client
        .query('rollback')
        .catch((rollbackError: unknown) =>
          markBroken(rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError))),
        );
      throw err;
    }
  });
}

/**
 * Listens to every client the pool opens, for its whole life. pg-pool listens only while a client is
 * idle, and hands a client it takes back at once to the next caller, who listens (withClient) one
 * microtask later: an error the server sends in the same read as the last answer (pg_terminate_backend,
 * a server shutting down) falls in between and would stop the process. The client is then not
 * queryable, so its next query fails and pg-pool discards it when it comes back.
 */
export function listenToEveryClient(pool: Pool, onError: (err: Error) => void): void {
  pool.on('connect', (client: PoolClient) => client.on('error', onError));
}
