import type { DatabaseOptions } from 'lmdb';

/** lmdb hands msgpackr's options on to its encoder; its types list only its own. */
interface MsgpackDatabaseOptions extends DatabaseOptions {
  useRecords?: boolean;
}

/**
 * For databases of documents whose shapes vary from row to row: source records and their events, golden
 * rows with their lineage (keyed by attribute paths and system names), review items, the golden outbox,
 * canonical customers. As msgpack records
 * they soon exceeded the 32 structures lmdb shares per database, and every further row carried its
 * structure inline, which each read compiled again (5 % of the hub's busy time on the record sync path).
 * Plain maps read faster. Rows written as records before still read: the shared structures stay loaded.
 */
export const DOCUMENTS: MsgpackDatabaseOptions = { useRecords: false };
