/** What the matching tests share: German data read day first, ages against 2025. */
import { normalizeRecord, type MatchInput, type MatchRecord } from '../../../records/matching';

export const OPTIONS = { slashOrder: 'day-first', referenceYear: 2025, defaultCountry: 'DE' } as const;

export const record = (input: MatchInput): MatchRecord => normalizeRecord(input, OPTIONS);
