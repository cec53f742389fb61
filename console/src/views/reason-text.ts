import type { I18n, MessageKey } from '../i18n';
import type { Check, DryRunReport, DryRunSample, Evaluation } from '../types';

/**
 * The engine's reasons, said in the console's language. The hub's own sentences are English (the
 * REST API and the logs keep them); the console builds its sentence from the same structured parts
 * (outcome, checks, wait, cap) and falls back to the hub's sentence for an outcome it does not know.
 */
export function evaluationReason(i18n: I18n, evaluation: Evaluation): string {
  const { t } = i18n;
  const failed = evaluation.checks.filter((check) => !check.held).length;
  switch (evaluation.outcome) {
    case 'not-matched':
      return t('why.not-matched', { failed, total: evaluation.checks.length });
    case 'pending':
      return t('why.pending', { at: evaluation.dueAt ? i18n.dateTime(evaluation.dueAt) : '—' });
    case 'fired':
    case 'switched-off':
    case 'out-of-schedule':
    case 'cooldown':
    case 'capped':
    case 'holdout':
    case 'arbitration-lost':
      return t(`why.${evaluation.outcome}` as MessageKey);
    default:
      return evaluation.reason;
  }
}

/** Why a money comparison or sum saw what it saw: another currency, none, amounts left out. */
export function moneyNotes(i18n: I18n, money: NonNullable<Check['money']>): string[] {
  const { t } = i18n;
  const notes: string[] = [];
  if (money.currency !== money.threshold)
    notes.push(t('explain.currencyMismatch', { currency: money.currency, threshold: money.threshold }));
  else if (money.assumed) notes.push(t('explain.currencyAssumed', { currency: money.currency }));
  const leftOut = Object.entries(money.leftOut ?? {});
  if (leftOut.length > 0) {
    const amounts = leftOut.map(([currency, total]) => `${i18n.number(total)} ${currency}`).join(', ');
    notes.push(t('explain.leftOut', { threshold: money.threshold, amounts }));
  }
  return notes;
}

/** A dry-run's events with amounts in other currencies, e.g. "… not compared: 3 × JPY, 1 × USD". */
export function otherCurrenciesText(
  i18n: I18n,
  counts: Record<string, number> | undefined,
): string | undefined {
  const entries = Object.entries(counts ?? {});
  if (entries.length === 0) return undefined;
  const list = entries.map(([currency, n]) => `${i18n.number(n)} × ${currency}`).join(', ');
  return i18n.t('dry.otherCurrencies', { list });
}

type Arbitration = NonNullable<Evaluation['arbitration']>;

/** The arbitration's rule and tally: by what it ranked, how many per channel, who won and lost. */
export function arbitrationSummary(i18n: I18n, arbitration: Arbitration): string {
  const { t } = i18n;
  const cards = (outcome: string) =>
    new Set(arbitration.ranked.filter((r) => r.outcome === outcome).map((r) => r.policyId)).size;
  const rule = arbitration.rule === 'score, then priority' ? t('arb.byScore') : t('arb.byPriority');
  const limit = arbitration.perChannel
    ? t('arb.perChannel', { n: arbitration.perChannel })
    : t('arb.noLimit');
  const held = cards('holdout');
  const tally = [
    t('arb.won', { n: cards('won') }),
    ...(held > 0 ? [t('arb.held', { n: held })] : []),
    t('arb.lost', { n: cards('lost') }),
  ];
  return `${rule}; ${limit}: ${tally.join(', ')}`;
}

/** A dry-run's notes by their keys; a hub that sends none (older) is shown its own sentences. */
export function dryRunNotes(i18n: I18n, report: Pick<DryRunReport, 'notes' | 'noteKeys'>): string[] {
  if (!report.noteKeys || report.noteKeys.length !== report.notes.length) return report.notes;
  return report.noteKeys.map((key, i) => {
    const messageKey = `dry.note.${key}` as MessageKey;
    const text = i18n.t(messageKey);
    return text === messageKey ? report.notes[i] : text;
  });
}

/**
 * Why a dry-run sample fired or stopped. In English the engine's own sentence says the most (the cap
 * and its window); in another language the stop reason, or the actions it would take.
 */
export function sampleWhy(i18n: I18n, reasonText: (reason: string) => string, sample: DryRunSample): string {
  if (i18n.lang === 'en') return sample.explanation;
  if (sample.outcome === 'stopped') return sample.reason ? reasonText(sample.reason) : sample.explanation;
  const actions = sample.actions.map((a) => `${a.action}${a.offer ? ` ${a.offer}` : ''} → ${a.channel}`);
  return i18n.t('why.fires', { actions: actions.join('; ') });
}
