import { ApiFailure } from './api';
import type { I18n, MessageKey } from './i18n';

/**
 * Codes that only a request the console itself got wrong earns (a bug or a stale page, never what a
 * marketer typed): one sentence in the reader's language that frames the hub's own message.
 */
const REQUEST_CODES = new Set([
  'invalid-body',
  'invalid-json',
  'invalid-input',
  'invalid-path',
  'invalid-policy-id',
  'invalid-limit',
  'invalid-days',
  'method-not-allowed',
  'not-found',
  'number-out-of-range',
  'too-deep',
  'unsupported-media-type',
]);

/**
 * The hub's error in the console's language. The hub answers in English with a code; a code the
 * console knows is said in words a marketer can act on, keeping what the hub names that only it knows
 * (a card's line, field and problem, its limits); any other keeps the hub's own message in a frame.
 */
export function errorText(i18n: I18n, error: unknown): string {
  const { t } = i18n;
  const failure = error instanceof ApiFailure ? error : undefined;
  if (!failure)
    return t('error.generic', { message: error instanceof Error ? error.message : String(error) });
  if (failure.status === 0) return t('error.network');
  const { code, message, at } = failure;
  switch (code) {
    case 'invalid-card':
      return cardText(i18n, failure);
    case 'period-too-long': {
      const days = /at most (\d+) days/.exec(message)?.[1];
      return days
        ? t('error.periodTooLongAt', { days: i18n.number(Number(days)) })
        : t('error.code.period-too-long');
    }
    case 'invalid-period':
      if (message === 'to must be after from') return t('error.periodOrder');
      if (at.field === 'from' || at.field === 'to')
        return t('error.periodField', { field: t(at.field === 'from' ? 'dry.from' : 'dry.to') });
      return t('error.code.invalid-period');
    case 'too-large': {
      // the console's own limit ("at most N bytes") or the body guard's in front of it ("(N bytes)")
      const said = /at most (\d+) bytes|\((\d+) bytes\)/.exec(message);
      const bytes = said?.[1] ?? said?.[2];
      return bytes ? t('error.tooLargeAt', { bytes: i18n.number(Number(bytes)) }) : t('error.code.too-large');
    }
    case 'invalid-credentials':
      return t('login.invalid');
    case 'too-many-attempts':
      return t('login.tooMany', { minutes: Math.max(1, Math.ceil((failure.retryAfterSeconds ?? 60) / 60)) });
    case 'internal':
      return t('error.internal', { message });
  }
  if (REQUEST_CODES.has(code)) return t('error.request', { message });
  const known = `error.code.${code}` as MessageKey;
  const text = t(known);
  return text !== known ? text : t('error.generic', { message });
}

/**
 * A card's compile error: the frame in the reader's language, the line and field as the hub found
 * them, and the compiler's problem in its own (English) words, which name the card's terms.
 */
function cardText(i18n: I18n, failure: ApiFailure): string {
  const { t } = i18n;
  const { field, line } = failure.at;
  // the hub's message repeats the line and the field before the problem: "line 5, field priority: …"
  const problem = failure.message
    .replace(/^(?:line \d+, )?field [^:]*: /, '')
    .replace(/^policy (?:"[^"]*"|\(no id\)): [^:\s]+: /, '');
  if (field && line !== undefined) return t('error.card.lineField', { line, field, problem });
  if (field) return t('error.card.field', { field, problem });
  return t('error.code.invalid-card', { problem });
}
