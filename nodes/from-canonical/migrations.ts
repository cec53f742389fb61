import { FIRST_VERSION, type Migration } from '../shared/migrate';

/** One step per config version; a flow saved before versions existed is read as version 0. */
export const migrations: Migration[] = [
  FIRST_VERSION,
  // 2: the output may be a document in the system's format; older configs give the record tree
  { version: 2, up: (config) => ({ output: 'record', ...config }) },
];
