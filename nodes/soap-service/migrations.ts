import { FIRST_VERSION, type Migration } from '../shared/migrate';

/** One step per config version; a flow saved before versions existed is read as version 0. */
export const migrations: Migration[] = [
  FIRST_VERSION,
  // 2: an empty limit means the hub's setting (CRM_HUB_SOAP_MAX_BYTES). 1048576 was the editor's
  // default and the shipped flows' value, which hid the setting; a limit typed in stays.
  { version: 2, up: (config) => (config.maxBytes === '1048576' ? { ...config, maxBytes: '' } : config) },
];
