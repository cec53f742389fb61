import { FIRST_VERSION, type Migration } from '../shared/migrate';

/** One step per config version; a flow saved before versions existed is read as version 0. */
export const migrations: Migration[] = [
  FIRST_VERSION,
  // 2: a record limit per message; older configs get the default, which did not exist before
  { version: 2, up: (config) => ({ maxRecords: '', ...config }) },
];
