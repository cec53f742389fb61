import { FIRST_VERSION, type Migration } from '../shared/migrate';

/** One step per config version; a flow saved before versions existed is read as version 0. */
export const migrations: Migration[] = [
  FIRST_VERSION,
  {
    // Broker failover: the single `url` became `urls`, one URL per line or comma separated.
    version: 2,
    up: ({ url, ...rest }) => ({ ...rest, urls: typeof rest.urls === 'string' ? rest.urls : (url ?? '') }),
  },
];
