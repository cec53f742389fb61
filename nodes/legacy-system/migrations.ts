import { FIRST_VERSION, type Migration } from '../shared/migrate';
import { DEFAULT_TRUST } from '../../records/trust';

/** One step per config version; a flow saved before versions existed is read as version 0. */
export const migrations: Migration[] = [
  FIRST_VERSION,
  {
    // `format` was asked for but never read: the mapping spec names the system's format itself.
    version: 2,
    up: ({ format: _unread, ...config }) => config,
  },
  {
    // Source trust per attribute: a system saved before it existed counts the middle of the scale,
    // as every system did then, so its golden records come out as before.
    version: 3,
    up: (config) => ({ trustDefault: DEFAULT_TRUST, trust: '', ...config }),
  },
];
