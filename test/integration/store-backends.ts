import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedStore } from '../../records/embedded-store';
import { PostgresStore } from '../../records/postgres-store';
import type { HubStore } from '../../records/store';
import { DATABASE_URL, dropSchema, uniqueSchema } from './postgres-schema';

/** A store a test opens fresh and removes after it: a directory of its own, or a schema of its own. */
export interface StorePlace {
  open(): Promise<HubStore>;
  cleanup(): Promise<void>;
}

/** Both stores behind the one interface, for `describe.each`; `tag` names the test's directories and schemas. */
export function storeBackends(tag: string): [string, () => StorePlace][] {
  return [
    [
      'embedded LMDB',
      () => {
        const directory = mkdtempSync(join(tmpdir(), `crm-hub-${tag}-`));
        let store: EmbeddedStore | undefined;
        return {
          open: async () => {
            store = new EmbeddedStore({ directory });
            await store.open();
            return store;
          },
          cleanup: async () => {
            await store?.close();
            rmSync(directory, { recursive: true, force: true });
          },
        };
      },
    ],
    [
      'PostgreSQL',
      () => {
        const schema = uniqueSchema(tag);
        let store: PostgresStore | undefined;
        return {
          open: async () => {
            store = new PostgresStore({ connectionString: DATABASE_URL, schema, poolSize: 2 });
            await store.open();
            return store;
          },
          cleanup: async () => {
            await store?.close();
            await dropSchema(schema);
          },
        };
      },
    ],
  ];
}
