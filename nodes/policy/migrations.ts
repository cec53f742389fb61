import { FIRST_VERSION, type Migration } from '../shared/migrate';

/** One step per config version; a flow saved before versions existed is read as version 0. */
export const migrations: Migration[] = [
  FIRST_VERSION,
  // 2: history conditions ("no B within T", counts, sums); a card saved before has none
  { version: 2, up: (config) => ({ history: '', ...config }) },
  // 3: an escalation ladder after the card's escalation action; a card saved before has none
  { version: 3, up: (config) => ({ escalation: '', ...config }) },
];
