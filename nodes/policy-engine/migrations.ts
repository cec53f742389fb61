import { FIRST_VERSION, type Migration } from '../shared/migrate';

/** One step per config version; a flow saved before versions existed is read as version 0. */
export const migrations: Migration[] = [
  FIRST_VERSION,
  // 2: how often waits ("no B within T") that are due are swept from the store
  {
    version: 2,
    up: (config) => ({ sweepSeconds: '30', ...config }),
    note: 'due waits are swept every 30 s',
  },
  // 3: arbitration; flows saved before it get the node's default, one winning card per channel
  {
    version: 3,
    up: (config) => ({ arbitrateBy: 'priority', winnersPerChannel: '1', ...config }),
    note: 'arbitration by priority, one winning card per channel (the default)',
  },
];
