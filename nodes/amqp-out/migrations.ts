import { FIRST_VERSION, type Migration } from '../shared/migrate';

/** One step per config version; a flow saved before versions existed is read as version 0. */
export const migrations: Migration[] = [
  FIRST_VERSION,
  // 2: a queue as the destination (the default exchange); older configs publish to their exchange
  { version: 2, up: (config) => ({ destination: 'exchange', queue: '', ...config }) },
];
