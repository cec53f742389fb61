import { useState } from 'preact/hooks';
import { ApiFailure, request } from '../api';
import { useI18n } from '../i18n';
import { go, href } from '../route';
import type { CustomerAnswer, Evaluation, ExplainAnswer, NextBestOffer } from '../types';
import { CustomerField } from './customer-field';
import { useLookup } from './use-lookup';
import { ConsentStatus, Empty, ErrorNote, OutcomeBadge, PageHead, Section, formatValue } from './parts';
import { arbitrationSummary, evaluationReason, moneyNotes } from './reason-text';

export function ExplainView({ customer }: { customer: string }) {
  const { t } = useI18n();
  // asking again for the same customer reloads: the hash, and so the route, stays the same
  const [asked, setAsked] = useState(0);
  const {
    answer: found,
    error,
    busy,
  } = useLookup(customer, asked, async (customerRef) => {
    const ref = encodeURIComponent(customerRef);
    const [explanation, profile] = await Promise.all([
      request<ExplainAnswer>(`/explain?customer=${ref}`),
      // the golden record carries the consents; a customer the store does not know still has explanations
      request<CustomerAnswer>(`/customers/${ref}`).catch((err: unknown) => {
        if (err instanceof ApiFailure && err.status === 404) return undefined;
        throw err;
      }),
    ]);
    // the hub answers a golden id with a member's ref: the answer is told apart by what was asked
    return { asked: customerRef, explanation, profile };
  });
  const answer = found?.asked === customer ? found.explanation : undefined;
  const profile = found?.profile;

  return (
    <div class="single">
      <PageHead title={t('explain.title')} lead={t('explain.lead')} />
      <CustomerField
        value={customer}
        label={t('explain.customer')}
        submit={busy ? t('explain.running') : t('explain.run')}
        busy={busy}
        testId="explain"
        onSubmit={(ref) => (ref === customer ? setAsked((n) => n + 1) : go('explain', ref))}
      />
      {error !== undefined && <ErrorNote error={error} />}
      {answer && <ExplainResult answer={answer} profile={profile} />}
    </div>
  );
}

function ExplainResult({ answer, profile }: { answer: ExplainAnswer; profile?: CustomerAnswer }) {
  const i18n = useI18n();
  const { t, pick } = i18n;
  const consents = (profile?.document ?? profile?.customer?.document)?.consents ?? [];
  const nbo = answer.nextBestOffer ?? profile?.nextBestOffer;
  const checked = answer.policies.filter((p) => p.evaluations.length > 0);
  const unchecked = answer.policies.filter((p) => p.evaluations.length === 0);
  return (
    <div class="result" data-testid="explain-result" aria-live="polite">
      {answer.goldenId && (
        <p class="note" data-testid="explain-golden">
          {t('explain.golden', {
            golden: answer.goldenId,
            member: answer.customerRef,
            count: answer.members?.length ?? 1,
          })}
        </p>
      )}
      <div class="two-col">
        <Section title={t('explain.nbo')} testId="explain-nbo">
          <OfferList nbo={nbo} />
        </Section>
        <Section title={t('explain.consent')} testId="explain-consent">
          {consents.length === 0 ? (
            <Empty>{t('explain.consentNone')}</Empty>
          ) : (
            <ul class="plain-list">
              {consents.map((c) => (
                <li key={`${c.channel}-${c.purpose}`}>
                  <strong>{c.channel}</strong> · {c.purpose}: <ConsentStatus status={c.status} />{' '}
                  <span class="muted">({i18n.date(c.at)})</span>
                </li>
              ))}
            </ul>
          )}
          <p class="muted small">
            <a href={href('customer', answer.customerRef)}>{t('nav.customer')} →</a>
          </p>
        </Section>
      </div>
      {checked.map((p) => (
        <section
          key={p.policyId}
          class="panel explain-policy"
          data-policy-id={p.policyId}
          data-testid="explain-policy"
        >
          <header class="explain-head">
            <div>
              <h2 class="panel-title">{pick(p.title)}</h2>
              {p.plain && <p class="policy-plain">{pick(p.plain)}</p>}
            </div>
            {p.evaluations[0] && <OutcomeBadge outcome={p.evaluations[0].outcome} />}
          </header>
          <EvaluationDetail evaluation={p.evaluations[0]} />
          {p.evaluations.length > 1 && (
            <details class="older">
              <summary>{t('explain.olderEvaluations', { count: p.evaluations.length - 1 })}</summary>
              {p.evaluations.slice(1).map((e) => (
                <EvaluationDetail key={`${e.event.eventId}-${e.evaluatedAt}`} evaluation={e} showOutcome />
              ))}
            </details>
          )}
        </section>
      ))}
      {checked.length === 0 && <Empty>{t('explain.notEvaluated')}</Empty>}
      {unchecked.length > 0 && (
        <Section title={t('explain.notEvaluatedList')} testId="explain-unchecked">
          <ul class="plain-list">
            {unchecked.map((p) => (
              <li key={p.policyId} data-policy-id={p.policyId}>
                {pick(p.title)} <code class="muted small">{p.policyId}</code>
              </li>
            ))}
          </ul>
        </Section>
      )}
    </div>
  );
}

export function OfferList({ nbo }: { nbo?: NextBestOffer }) {
  const { t, pick } = useI18n();
  if (!nbo || nbo.offers.length === 0) return <Empty>{t('explain.nboNone')}</Empty>;
  return (
    <ol class="offer-list" data-testid="nbo-offers">
      {nbo.offers.map((o) => (
        <li key={`${o.policyId}-${o.offer}`}>
          <strong>{o.offer}</strong> <span class="muted">· {o.action}</span>
          <div class="muted small">{o.title ? pick(o.title) : o.policyId}</div>
        </li>
      ))}
    </ol>
  );
}

function EvaluationDetail({ evaluation, showOutcome }: { evaluation: Evaluation; showOutcome?: boolean }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { event, cap, lostTo, arbitration } = evaluation;
  return (
    <div class="evaluation" data-testid="explain-evaluation" data-outcome={evaluation.outcome}>
      <p class="evaluation-event">
        {showOutcome && <OutcomeBadge outcome={evaluation.outcome} />}{' '}
        {t('explain.event', {
          type: event.type,
          channel: event.channel,
          at: i18n.dateTime(event.occurredAt),
        })}
      </p>
      <p class="evaluation-reason">{evaluationReason(i18n, evaluation)}</p>
      {evaluation.checks.length === 0 ? (
        <p class="muted small">{t('explain.noChecks')}</p>
      ) : (
        <table class="table checks" data-testid="explain-checks">
          <thead>
            <tr>
              <th scope="col">{t('explain.condition')}</th>
              <th scope="col">{t('explain.actual')}</th>
              <th scope="col">{t('explain.held')}</th>
            </tr>
          </thead>
          <tbody>
            {evaluation.checks.map((c, i) => (
              <tr key={`${i}-${c.condition}`} class={c.held ? 'held' : 'failed'}>
                <td>
                  <code>{c.condition}</code>
                </td>
                <td>
                  <code data-testid="check-actual">{formatValue(c.actual)}</code>
                  {c.money && (
                    <>
                      {' '}
                      <code data-testid="check-currency">{c.money.currency}</code>
                      {moneyNotes(i18n, c.money).map((note) => (
                        <div key={note} class="muted small" data-testid="check-money-note">
                          {note}
                        </div>
                      ))}
                    </>
                  )}
                </td>
                <td>
                  <span class={c.held ? 'mark mark-yes' : 'mark mark-no'}>
                    <span aria-hidden="true">{c.held ? '✓ ' : '✗ '}</span>
                    {c.held ? t('explain.yes') : t('explain.no')}
                  </span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {cap && (
        <p class="note note-warn" data-testid="explain-cap">
          {t('explain.cap', { scope: cap.scope, limit: cap.limit, count: cap.count })}
        </p>
      )}
      {lostTo && (
        <p class="note note-warn">
          {t('explain.lostTo', { policy: lostTo.policyId, channel: lostTo.channel })}
        </p>
      )}
      {evaluation.decisions.length > 0 && (
        <p class="small">
          <strong>{t('explain.decisions')}:</strong>{' '}
          {evaluation.decisions
            .map((d) => `${d.action}${d.offer ? ` ${d.offer}` : ''} → ${d.channel}`)
            .join('; ')}
        </p>
      )}
      {arbitration && arbitration.ranked.length > 0 && (
        <details class="arbitration">
          <summary>
            {t('explain.arbitration')}: {arbitrationSummary(i18n, arbitration)}
          </summary>
          <table class="table">
            <thead>
              <tr>
                <th scope="col" class="num">
                  {t('explain.rank')}
                </th>
                <th scope="col">{t('explain.policy')}</th>
                <th scope="col">{t('explain.channel')}</th>
                <th scope="col" class="num">
                  {t('explain.priority')}
                </th>
                <th scope="col" class="num">
                  {t('explain.score')}
                </th>
                <th scope="col">{t('explain.result')}</th>
              </tr>
            </thead>
            <tbody>
              {arbitration.ranked.map((r) => (
                <tr key={r.decisionId}>
                  <td class="num">{r.rank}</td>
                  <td>{r.policyId}</td>
                  <td>{r.channel}</td>
                  <td class="num">{r.priority}</td>
                  <td class="num">{r.score === undefined ? '—' : i18n.number(r.score)}</td>
                  <td>
                    <OutcomeBadge outcome={r.outcome} />
                    {r.lostTo && (
                      <span class="muted small" title={r.lostTo.because}>
                        {' '}
                        {t('arb.lostTo', { policy: r.lostTo.policyId })}
                      </span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      )}
    </div>
  );
}
