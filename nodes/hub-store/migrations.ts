import { FIRST_VERSION, type Migration } from '../shared/migrate';

/** One step per config version; a flow saved before versions existed is read as version 0. */
export const migrations: Migration[] = [
  FIRST_VERSION,
  // 2: the idempotency retention; empty means the hub's setting (CRM_HUB_IDEMPOTENCY_RETENTION_DAYS)
  { version: 2, up: (config) => ({ retentionDays: '', ...config }) },
];
