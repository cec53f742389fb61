import { useEffect, useState } from 'preact/hooks';
import { request } from '../api';
import { dayStart } from '../day';
import { useI18n, type MessageKey } from '../i18n';
import { href } from '../route';
import type { DryRunReport, PolicyView } from '../types';
import { Empty, ErrorNote, OutcomeBadge, PageHead, Section, Stat, useReasonText } from './parts';
import { dryRunNotes, otherCurrenciesText, sampleWhy } from './reason-text';

const DRAFT_EXAMPLE = `policy: draft-platinum-large-withdrawal
title: { de: "Platin-Kunde hebt mehr als 10.000 ab", en: "Platinum customer withdraws over 10,000" }
when: event withdrawal where amount > 10000
if: customer.tier == "platinum"
then: call-task to sales-rep within 1d
limits: { per-customer: 1 per 7d }
priority: 80
`;

/** yyyy-mm-dd of a local calendar day, what <input type="date"> holds */
function dayInput(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

function daysAgo(n: number): string {
  const d = new Date();
  d.setDate(d.getDate() - n);
  return dayInput(d);
}

export function DryRunView({ policies, initialPolicy }: { policies: PolicyView[]; initialPolicy: string }) {
  const i18n = useI18n();
  const { t, pick } = i18n;
  const [source, setSource] = useState<'deployed' | 'draft'>('deployed');
  const [policyId, setPolicyId] = useState(initialPolicy);
  const [draft, setDraft] = useState(DRAFT_EXAMPLE);
  const [from, setFrom] = useState(daysAgo(6));
  const [to, setTo] = useState(daysAgo(0));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  /** what is wrong with the period before the hub is asked */
  const [problem, setProblem] = useState<MessageKey | undefined>(undefined);
  const [report, setReport] = useState<DryRunReport | undefined>(undefined);

  useEffect(() => {
    if (initialPolicy) setPolicyId(initialPolicy);
    else if (!policyId && policies.length) setPolicyId(policies[0].policyId);
  }, [initialPolicy, policies.length]);

  const preset = (days: number) => {
    setFrom(daysAgo(days - 1));
    setTo(daysAgo(0));
  };

  const run = async (e: Event) => {
    e.preventDefault();
    // `to` is inclusive, so the day after it ends the period
    const start = dayStart(from);
    const end = dayStart(to, 1);
    setProblem(start && end ? undefined : 'error.periodEarly');
    setError(undefined);
    if (!start || !end) {
      setReport(undefined);
      return;
    }
    setBusy(true);
    try {
      const period = { from: start, to: end };
      const body = source === 'draft' ? { card: draft, ...period } : { policyId, ...period };
      setReport(await request<DryRunReport>('/dry-run', { method: 'POST', body }));
    } catch (err) {
      setReport(undefined);
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const titleOf = (id: string) => {
    const found = policies.find((p) => p.policyId === id);
    return found ? pick(found.title) : id;
  };

  return (
    <div class="single">
      <PageHead title={t('dry.title')} lead={t('dry.lead')} />
      <form class="panel form-grid" onSubmit={run} data-testid="dry-run-form">
        <fieldset class="fieldset">
          <legend>{t('dry.card')}</legend>
          <div class="radio-row">
            <label class="radio">
              <input
                type="radio"
                name="source"
                checked={source === 'deployed'}
                onChange={() => setSource('deployed')}
                data-testid="dry-run-source-deployed"
              />
              {t('dry.deployed')}
            </label>
            <label class="radio">
              <input
                type="radio"
                name="source"
                checked={source === 'draft'}
                onChange={() => setSource('draft')}
                data-testid="dry-run-source-draft"
              />
              {t('dry.draft')}
            </label>
          </div>
          {source === 'deployed' ? (
            <label class="field">
              <span class="field-label">{t('dry.policy')}</span>
              <select
                value={policyId}
                onChange={(e) => setPolicyId(e.currentTarget.value)}
                data-testid="dry-run-policy"
                required
              >
                {policies.map((p) => (
                  <option key={p.policyId} value={p.policyId}>
                    {pick(p.title)} ({p.policyId})
                  </option>
                ))}
              </select>
            </label>
          ) : (
            <label class="field">
              <span class="field-label">{t('dry.yaml')}</span>
              <textarea
                rows={8}
                spellcheck={false}
                class="code"
                value={draft}
                onInput={(e) => setDraft(e.currentTarget.value)}
                data-testid="dry-run-card"
                required
              />
            </label>
          )}
        </fieldset>
        <fieldset class="fieldset">
          <legend>{t('dry.period')}</legend>
          <div class="field-row">
            <label class="field">
              <span class="field-label">{t('dry.from')}</span>
              <input
                type="date"
                value={from}
                max={to}
                onInput={(e) => setFrom(e.currentTarget.value)}
                required
                data-testid="dry-run-from"
              />
            </label>
            <label class="field">
              <span class="field-label">{t('dry.to')}</span>
              <input
                type="date"
                value={to}
                min={from}
                onInput={(e) => setTo(e.currentTarget.value)}
                required
                data-testid="dry-run-to"
              />
            </label>
          </div>
          <div class="presets">
            <button type="button" class="button ghost small" onClick={() => preset(1)}>
              {t('dry.today')}
            </button>
            <button type="button" class="button ghost small" onClick={() => preset(7)}>
              {t('dry.last7')}
            </button>
            <button type="button" class="button ghost small" onClick={() => preset(30)}>
              {t('dry.last30')}
            </button>
          </div>
          <div class="form-actions">
            <button type="submit" class="button primary" disabled={busy} data-testid="dry-run-submit">
              {busy ? t('dry.running') : t('dry.run')}
            </button>
          </div>
        </fieldset>
      </form>
      {problem && (
        <p class="note note-error" role="alert">
          {t(problem)}
        </p>
      )}
      {error !== undefined && <ErrorNote error={error} />}
      {report && <DryRunResult report={report} title={titleOf(report.policyId)} />}
    </div>
  );
}

function DryRunResult({ report, title }: { report: DryRunReport; title: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const reasonText = useReasonText();
  const stoppedTotal = Object.values(report.stopped).reduce((a, b) => a + (b ?? 0), 0);
  const stages = (['card', 'contact'] as const).flatMap((stage) =>
    Object.entries(report.stoppedBy[stage] ?? {}).map(([reason, n]) => ({ stage, reason, n })),
  );
  return (
    <div class="result" data-testid="dry-run-result" aria-live="polite">
      <p class="result-for">
        {t('dry.resultFor', {
          policy: title,
          version: report.version.number,
          from: i18n.dateTime(report.period.from),
          to: i18n.dateTime(report.period.to),
        })}
      </p>
      {report.truncated && <p class="note note-warn">{t('dry.truncated')}</p>}
      <dl class="stats tiles">
        <Stat label={t('dry.events')} value={i18n.number(report.events)} testId="dry-run-events" />
        <Stat label={t('dry.evaluated')} value={i18n.number(report.evaluated)} testId="dry-run-evaluated" />
        <Stat
          label={t('dry.wouldFire')}
          value={i18n.number(report.wouldFire)}
          testId="dry-run-would-fire"
          tone="good"
        />
        <Stat
          label={t('dry.notMatched')}
          value={i18n.number(report.notMatched)}
          detail={otherCurrenciesText(i18n, report.otherCurrencies)}
          testId="dry-run-not-matched"
        />
        <Stat
          label={t('dry.pending')}
          value={i18n.number(report.pending)}
          detail={t('dry.pendingDetail')}
          testId="dry-run-pending"
          tone={report.pending > 0 ? undefined : 'muted'}
        />
        <Stat label={t('dry.stopped')} value={i18n.number(stoppedTotal)} testId="dry-run-stopped" />
        <Stat
          label={t('dry.customers')}
          value={i18n.number(report.customerCount)}
          testId="dry-run-customers"
        />
      </dl>
      <div class="two-col">
        <Section title={t('dry.stoppedBy')}>
          {stages.length === 0 ? (
            <Empty>{t('dry.nothing')}</Empty>
          ) : (
            <table class="table" data-testid="dry-run-stopped-by">
              <thead>
                <tr>
                  <th scope="col">{t('dry.reason')}</th>
                  <th scope="col">{t('dry.stage')}</th>
                  <th scope="col" class="num">
                    {t('dry.count')}
                  </th>
                </tr>
              </thead>
              <tbody>
                {stages.map((s) => (
                  <tr key={`${s.stage}-${s.reason}`} data-reason={s.reason}>
                    <td>{reasonText(s.reason)}</td>
                    <td>{t(`dry.stage.${s.stage}` as MessageKey)}</td>
                    <td class="num">{i18n.number(s.n)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Section>
        <Section title={t('dry.forWhom')}>
          {report.customers.length === 0 ? (
            <Empty>{t('dry.nothing')}</Empty>
          ) : (
            <table class="table" data-testid="dry-run-customer-table">
              <thead>
                <tr>
                  <th scope="col">{t('dry.customer')}</th>
                  <th scope="col" class="num">
                    {t('dry.fired')}
                  </th>
                  <th scope="col">{t('dry.stoppedCol')}</th>
                </tr>
              </thead>
              <tbody>
                {report.customers.map((c) => (
                  <tr key={c.customerRef} data-customer={c.customerRef}>
                    <td>
                      <a href={href('explain', c.customerRef)}>{c.customerRef}</a>
                    </td>
                    <td class="num">{i18n.number(c.fired)}</td>
                    <td>
                      {Object.entries(c.stopped)
                        .map(([reason, n]) => `${reasonText(reason)} ${i18n.number(n)}`)
                        .join(', ') || '—'}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Section>
      </div>
      <Section title={t('dry.sample')}>
        {report.sample.length === 0 ? (
          <Empty>{t('dry.nothing')}</Empty>
        ) : (
          <table class="table" data-testid="dry-run-sample">
            <thead>
              <tr>
                <th scope="col">{t('dry.when')}</th>
                <th scope="col">{t('dry.customer')}</th>
                <th scope="col">{t('dry.event')}</th>
                <th scope="col">{t('dry.outcome')}</th>
                <th scope="col">{t('dry.why')}</th>
              </tr>
            </thead>
            <tbody>
              {report.sample.map((s) => (
                <tr key={`${s.eventId}-${s.decidedAt}`}>
                  <td class="nowrap">{i18n.dateTime(s.occurredAt)}</td>
                  <td class="nowrap">{s.customerRef}</td>
                  <td>
                    {s.type} · {s.channel}
                  </td>
                  <td>
                    <OutcomeBadge outcome={s.outcome} label={t(`dry.outcome.${s.outcome}` as MessageKey)} />
                  </td>
                  <td class="why">{sampleWhy(i18n, reasonText, s)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
      {report.notes.length > 0 && (
        <Section title={t('dry.notes')}>
          <ul class="notes">
            {dryRunNotes(i18n, report).map((n) => (
              <li key={n}>{n}</li>
            ))}
          </ul>
        </Section>
      )}
    </div>
  );
}
