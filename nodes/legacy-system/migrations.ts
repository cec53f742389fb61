import { FIRST_VERSION, type Migration } from '../shared/migrate';

/** One step per config version; a flow saved before versions existed is read as version 0. */
export const migrations: Migration[] = [
  FIRST_VERSION,
  {
    // `format` was asked for but never read: the mapping spec names the system's format itself.
    version: 2,
    up: ({ format: _unread, ...config }) => config,
  },
];
