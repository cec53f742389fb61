import { FIRST_VERSION, type Migration } from '../shared/migrate';

/** One step per config version; a flow saved before versions existed is read as version 0. */
export const migrations: Migration[] = [
  FIRST_VERSION,
  // 2: an optional amqp-broker; with one, the golden outbox is published on crm.golden
  { version: 2, up: (config) => ({ broker: '', ...config }) },
];
