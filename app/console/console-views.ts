import { errorMessage } from '../../formats/error-message';
import type { CompiledPolicy } from '../../policies/card';
import { describeCardBoth } from '../../policies/card-plain-language';
import type { AuditEntry, PolicyExplanation, PolicyRegistry, PolicySummary } from '../../policies/registry';
import type { PolicyReport } from '../../policies/response-ledger';
import { withReports, type PoliciesBackend } from '../api/policies-api';

/** A card in plain language, one sentence per language. */
export interface PlainSentences {
  de: string;
  en: string;
}

/**
 * Whether a card's schedule lets it act at the moment the list was read. A switched-on card outside
 * its campaign period or business hours fires nothing, which its switch alone does not tell.
 */
export interface ScheduleNow {
  active: boolean;
  /** why not: the period has not begun, it is over, or the time is outside the card's hours */
  state: 'active' | 'not-started' | 'ended' | 'outside-hours';
  /** the moment judged, ISO 8601 */
  at: string;
}

/** /api/v1/policies' entry with the card in plain language, as the console lists it. */
export type PolicyView = PolicySummary & {
  plain?: PlainSentences;
  /** the sentences behind `plain`: the conditions, limits and schedule one by one */
  plainDetails?: { de: string[]; en: string[] };
  /** only for a card with a schedule */
  schedule?: ScheduleNow;
  description?: { de?: string; en?: string };
  report?: PolicyReport;
  reportError?: string;
};

/**
 * The plain-language rendering of a card; nothing when the renderer does not know the card (a card
 * file with a field newer than the renderer), so the list still shows it with its title.
 */
export function plainOf(card: CompiledPolicy | undefined): Pick<PolicyView, 'plain' | 'plainDetails'> {
  if (!card) return {};
  try {
    const { de, en } = describeCardBoth(card);
    return {
      plain: { de: de.sentence, en: en.sentence },
      plainDetails: { de: [...de.details], en: [...en.details] },
    };
  } catch {
    return {};
  }
}

/**
 * The card's schedule judged at `nowMs` by the check the engine applies before it fires; nothing for
 * a card without a schedule.
 */
export function scheduleNow(card: CompiledPolicy | undefined, nowMs: number): ScheduleNow | undefined {
  const schedule = card?.schedule;
  if (!schedule) return undefined;
  const { active } = schedule.check(nowMs);
  let state: ScheduleNow['state'] = 'active';
  if (!active) {
    if (schedule.fromMs !== undefined && nowMs < schedule.fromMs) state = 'not-started';
    else if (schedule.toMs !== undefined && nowMs >= schedule.toMs) state = 'ended';
    else state = 'outside-hours';
  }
  return { active, state, at: new Date(nowMs).toISOString() };
}

/**
 * The deployed policies (or the given ones) with reports over `days` days, in plain language, and
 * whether each card's schedule lets it act at `nowMs`.
 */
export async function policyViews(
  backend: PoliciesBackend,
  summaries: PolicySummary[],
  days?: number,
  nowMs: number = Date.now(),
): Promise<PolicyView[]> {
  const withReport = await withReports(backend, summaries, days);
  return withReport.map((summary) => {
    const compiled = backend.registry.card(summary.policyId);
    const description = compiled?.description;
    const schedule = scheduleNow(compiled, nowMs);
    return {
      ...summary,
      ...plainOf(compiled),
      ...(description && (description.de || description.en) ? { description } : {}),
      ...(schedule ? { schedule } : {}),
    };
  });
}

export interface CustomerExplanation {
  customerRef: string;
  /** every deployed policy, those the engine never checked for the customer with no evaluations */
  policies: (Pick<PolicyView, 'policyId' | 'title' | 'enabled' | 'plain'> & {
    evaluations: PolicyExplanation['evaluations'];
  })[];
}

/**
 * Why a customer did or did not get each policy's action, from the engine's recent explanations:
 * the policies checked for them first (most recent evaluation first), then the rest by id.
 */
export function explainCustomer(registry: PolicyRegistry, customerRef: string): CustomerExplanation {
  const policies = registry.list().map((summary) => {
    const { plain } = plainOf(registry.card(summary.policyId));
    return {
      policyId: summary.policyId,
      title: summary.title,
      enabled: summary.enabled,
      ...(plain ? { plain } : {}),
      evaluations: registry.explain(summary.policyId, customerRef).evaluations,
    };
  });
  const latest = (entry: (typeof policies)[number]) => entry.evaluations[0]?.evaluatedAt ?? '';
  policies.sort((a, b) => {
    const byTime = latest(b).localeCompare(latest(a));
    return byTime !== 0 ? byTime : a.policyId.localeCompare(b.policyId);
  });
  return { customerRef, policies };
}

/**
 * Every switch of every deployed policy, newest first: the audit trail the console shows. Each policy's
 * trail is read newest first up to `limit`, so merging them and cutting at `limit` loses nothing.
 */
export async function auditTrail(
  registry: PolicyRegistry,
  limit: number,
): Promise<{ entries: AuditEntry[]; errors?: { policyId: string; message: string }[] }> {
  const errors: { policyId: string; message: string }[] = [];
  const trails = await Promise.all(
    registry.list().map(async ({ policyId }) => {
      try {
        return await registry.audit(policyId, limit);
      } catch (err) {
        errors.push({ policyId, message: errorMessage(err) });
        return [];
      }
    }),
  );
  const entries = trails
    .flat()
    .sort((a, b) => (a.at === b.at ? b.auditId.localeCompare(a.auditId) : a.at < b.at ? 1 : -1))
    .slice(0, limit);
  return errors.length > 0 ? { entries, errors } : { entries };
}
