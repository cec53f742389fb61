import { EmbeddedStore } from './embedded-store';
import { PostgresStore } from './postgres-store';
import type { HubStore } from './store';

/** PostgreSQL when a database URL is configured (shared by several hubs), otherwise the embedded store. */
export function createStore(options: { databaseUrl?: string; directory: string }): HubStore {
  const databaseUrl = options.databaseUrl?.trim();
  if (databaseUrl) return new PostgresStore({ connectionString: databaseUrl });
  return new EmbeddedStore({ directory: options.directory });
}
