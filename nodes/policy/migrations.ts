import { FIRST_VERSION, type Migration } from '../shared/migrate';

/** The fields version 4 added, empty. */
const CARD_FIELDS_V4 = {
  perChannel: '',
  cooldown: '',
  scorePropensity: '',
  scoreValue: '',
  scoreWeight: '',
  scheduleFrom: '',
  scheduleTo: '',
  scheduleHours: '',
  scheduleTimeZone: '',
  holdout: '',
  descriptionEn: '',
  descriptionDe: '',
  cardVersion: '',
};

/** One step per config version; a flow saved before versions existed is read as version 0. */
export const migrations: Migration[] = [
  FIRST_VERSION,
  // 2: history conditions ("no B within T", counts, sums); a card saved before has none
  { version: 2, up: (config) => ({ history: '', ...config }), note: 'no history condition' },
  // 3: an escalation ladder after the card's escalation action; a card saved before has none
  { version: 3, up: (config) => ({ escalation: '', ...config }), note: 'no escalation ladder' },
  // 4: the rest of the card vocabulary; empty is "not on the card", so a saved card stays the same card
  {
    version: 4,
    up: (config) => ({ ...CARD_FIELDS_V4, ...config }),
    note: 'the newer card fields empty, so the card is the same card',
  },
  // 5: an empty priority is refused like a card file without one; a card saved before ran with 50
  {
    version: 5,
    up: (config) => (emptyText(config.priority) ? { ...config, priority: '50' } : config),
    note: 'an empty priority becomes 50, as it ran before',
  },
];

function emptyText(value: unknown): boolean {
  return value === undefined || value === null || String(value).trim() === '';
}
