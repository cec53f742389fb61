import { useRef, useState } from 'preact/hooks';
import { request } from '../api';
import { errorText } from '../error-text';
import { useI18n, type I18n } from '../i18n';
import type { FeedItem, HubState } from '../live';
import { href, replaceRoute } from '../route';
import type { PeriodReport, PolicyView, ScheduleNow } from '../types';
import { DayChart } from './chart';
import { Empty, ErrorNote, PageHead, Stat, useReasonText } from './parts';

/** `filter` is the route's: Back from a card's dry-run link finds the list filtered as it was left */
export function PoliciesView({ hub, filter }: { hub: HubState; filter: string }) {
  const { t, pick } = useI18n();
  const policies = hub.policies;
  const needle = filter.trim().toLowerCase();
  // by priority, as arbitration ranks them; a fire never reorders the list under the reader's eyes
  const sorted = (policies ?? [])
    .slice()
    .sort((a, b) => b.priority - a.priority || a.policyId.localeCompare(b.policyId));
  const shown = sorted.filter(
    (p) =>
      !needle ||
      p.policyId.includes(needle) ||
      pick(p.title).toLowerCase().includes(needle) ||
      p.title.de.toLowerCase().includes(needle) ||
      p.title.en.toLowerCase().includes(needle),
  );
  const on = (policies ?? []).filter((p) => p.enabled).length;

  return (
    <div class="with-aside">
      <div class="primary-col">
        <PageHead
          title={t('policies.title')}
          lead={policies ? t('policies.summary', { count: policies.length, on }) : undefined}
        >
          <label class="field inline">
            <span class="field-label">{t('policies.filter')}</span>
            <input
              type="search"
              value={filter}
              placeholder={t('policies.filterPlaceholder')}
              onInput={(e) => replaceRoute('policies', e.currentTarget.value)}
              data-testid="policy-filter"
            />
          </label>
        </PageHead>
        {hub.error && <ErrorNote error={hub.error} />}
        {!policies && !hub.error && <p class="empty">{t('loading')}</p>}
        {policies && policies.length === 0 && <Empty>{t('policies.none')}</Empty>}
        {policies && policies.length > 0 && shown.length === 0 && <Empty>{t('policies.noMatch')}</Empty>}
        <ul class="policy-list" data-testid="policy-list">
          {shown.map((p) => (
            <li key={p.policyId}>
              <PolicyEntry policy={p} setEnabled={hub.setEnabled} />
            </li>
          ))}
        </ul>
      </div>
      <aside class="aside-col">
        <LiveFeed items={hub.feed} policies={policies ?? []} />
      </aside>
    </div>
  );
}

function PolicyEntry({
  policy,
  setEnabled,
}: {
  policy: PolicyView;
  setEnabled: (policyId: string, enabled: boolean) => Promise<void>;
}) {
  const i18n = useI18n();
  const { t, pick, lang } = i18n;
  const reasonText = useReasonText();
  const [busy, setBusy] = useState(false);
  // read by a second press before the re-render that `busy` waits for
  const switching = useRef(false);
  const [error, setError] = useState<unknown>(undefined);
  const title = pick(policy.title);
  const titleId = `title-${policy.policyId}`;
  const report = policy.report;
  const firesToday = report?.today.fires ?? policy.counts.today.fired;
  const fires7 = report?.last7Days.fires ?? policy.counts.last7Days.fired;
  const suppressed = report?.last7Days.suppressed ?? policy.counts.last7Days.suppressed;
  const reasons = Object.entries(suppressed).filter(([, n]) => n > 0);
  const details = policy.plainDetails?.[lang] ?? [];
  // switched on but outside its schedule, a card fires nothing: it must not look like one that does
  const idle = policy.enabled && policy.schedule?.active === false;

  const toggle = async () => {
    // while the hub has not answered, a second press would ask for the same state again
    if (switching.current) return;
    switching.current = true;
    setBusy(true);
    setError(undefined);
    try {
      await setEnabled(policy.policyId, !policy.enabled);
    } catch (err) {
      setError(err);
    } finally {
      switching.current = false;
      setBusy(false);
    }
  };

  return (
    <article
      class={policy.enabled ? (idle ? 'policy is-idle' : 'policy') : 'policy is-off'}
      data-policy-id={policy.policyId}
      data-testid="policy"
      aria-labelledby={titleId}
    >
      <header class="policy-head">
        <div class="policy-titles">
          <h2 id={titleId} class="policy-title">
            {title}
          </h2>
          <p class="policy-meta">
            <code>{policy.policyId}</code>
            <span>{t(`policy.mode.${policy.mode}`)}</span>
            <span>{t('policy.version', { n: policy.version.number })}</span>
            <span>{t('policy.priority', { n: policy.priority })}</span>
            {policy.eventTypes.length > 0 && <span>{policy.eventTypes.join(', ')}</span>}
          </p>
        </div>
        <div class="policy-switch">
          <button
            type="button"
            role="switch"
            class="switch"
            aria-checked={policy.enabled ? 'true' : 'false'}
            aria-label={t('policy.switchLabel', { title })}
            aria-busy={busy ? 'true' : undefined}
            // not `disabled`: a disabled button loses the keyboard focus, and the marketer's place with it
            aria-disabled={busy ? 'true' : undefined}
            onClick={toggle}
            data-testid="policy-switch"
          >
            <span class="switch-track" aria-hidden="true">
              <span class="switch-thumb" />
            </span>
            <span class="switch-text" aria-hidden="true">
              {policy.enabled ? t('policy.on') : t('policy.off')}
            </span>
          </button>
          {policy.schedule && <ScheduleBadge schedule={policy.schedule} />}
        </div>
      </header>
      {policy.plain && <p class="policy-plain">{pick(policy.plain)}</p>}
      {details.length > 0 && (
        <ul class="policy-details" data-testid="policy-details">
          {details.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
      )}
      {error !== undefined && (
        <p class="note note-error" role="alert">
          {t('policy.switchFailed', { message: errorText(i18n, error) })}
        </p>
      )}
      <div class="policy-body">
        <dl class="stats">
          <Stat label={t('policy.firesToday')} value={i18n.number(firesToday)} testId="fires-today" />
          <Stat label={t('policy.fires7')} value={i18n.number(fires7)} testId="fires-7d" />
          <ResponseRate policy={policy} i18n={i18n} />
          <Uplift policy={policy} i18n={i18n} />
        </dl>
        {report && report.days.length > 0 && <ChartWithRange policy={policy} week={report.days} />}
      </div>
      <footer class="policy-foot">
        <span class="foot-label">{t('policy.suppressed')}:</span>
        {reasons.length === 0 ? (
          <span class="muted" data-testid="suppressions">
            {t('policy.suppressedNone')}
          </span>
        ) : (
          <ul class="chips" data-testid="suppressions">
            {reasons.map(([reason, n]) => (
              <li key={reason} class="chip">
                {reasonText(reason)} <strong>{i18n.number(n)}</strong>
              </li>
            ))}
          </ul>
        )}
        <a class="foot-link" href={href('dry-run', policy.policyId)}>
          {t('policy.dryRun')} →
        </a>
      </footer>
      {policy.reportError && <p class="note">{t('policy.reportError', { message: policy.reportError })}</p>}
    </article>
  );
}

/** Whether the schedule lets the card act now, in words; the hub judged it when the list was read. */
function ScheduleBadge({ schedule }: { schedule: ScheduleNow }) {
  const { t, dateTime } = useI18n();
  return (
    <span
      class={schedule.active ? 'badge badge-good schedule-state' : 'badge badge-warn schedule-state'}
      title={t('schedule.checkedAt', { at: dateTime(schedule.at) })}
      data-testid="policy-schedule"
      data-state={schedule.state}
    >
      {t(`schedule.${schedule.state}`)}
    </span>
  );
}

function ResponseRate({ policy, i18n }: { policy: PolicyView; i18n: I18n }) {
  const week = policy.report?.last7Days;
  if (!week || week.responseRate === null)
    return (
      <Stat label={i18n.t('policy.responseRate')} value="—" detail={i18n.t('policy.noData')} tone="muted" />
    );
  return (
    <Stat
      label={i18n.t('policy.responseRate')}
      value={i18n.percent(week.responseRate)}
      detail={i18n.t('policy.responseDetail', {
        positive: i18n.number(week.positive),
        delivered: i18n.number(week.delivered),
      })}
      testId="response-rate"
    />
  );
}

function Uplift({ policy, i18n }: { policy: PolicyView; i18n: I18n }) {
  const conversion = policy.report?.last7Days.conversion;
  const detail = conversion
    ? i18n.t('policy.upliftDetail', {
        treated: i18n.number(conversion.treated.n),
        holdout: i18n.number(conversion.holdout.n),
      })
    : i18n.t('policy.noData');
  if (!conversion || conversion.uplift === null)
    return <Stat label={i18n.t('policy.uplift')} value="—" detail={detail} tone="muted" testId="uplift" />;
  return (
    <Stat
      label={i18n.t('policy.uplift')}
      value={i18n.points(conversion.uplift)}
      detail={detail}
      tone={conversion.uplift > 0 ? 'good' : conversion.uplift < 0 ? 'bad' : undefined}
      testId="uplift"
    />
  );
}

function LiveFeed({ items, policies }: { items: FeedItem[]; policies: PolicyView[] }) {
  const i18n = useI18n();
  const { t, pick } = i18n;
  const titleOf = (policyId: string) => {
    const found = policies.find((p) => p.policyId === policyId);
    return found ? pick(found.title) : policyId;
  };
  return (
    <section class="panel feed" aria-labelledby="feed-title">
      <h2 class="panel-title" id="feed-title">
        {t('feed.title')}
      </h2>
      <ol class="feed-list" data-testid="live-feed" aria-live="polite" aria-relevant="additions">
        {items.length === 0 && <li class="feed-empty">{t('feed.empty')}</li>}
        {items.map((item) =>
          item.kind === 'decision' ? (
            <li
              key={item.key}
              class="feed-item feed-decision"
              data-testid="feed-decision"
              data-policy-id={item.decision.policyId}
            >
              <time dateTime={item.decision.at}>{i18n.time(item.decision.at)}</time>
              <span class="feed-title">
                {item.decision.title ? pick(item.decision.title) : titleOf(item.decision.policyId)}
              </span>
              <span class="feed-detail">
                {t('feed.fired', { customer: item.decision.customerRef })} · {item.decision.action}
                {item.decision.offer ? ` ${item.decision.offer}` : ''} → {item.decision.channel}
              </span>
            </li>
          ) : (
            <li
              key={item.key}
              class="feed-item feed-toggle"
              data-testid="feed-toggle"
              data-policy-id={item.entry.policyId}
            >
              <time dateTime={item.entry.at}>{i18n.time(item.entry.at)}</time>
              <span class="feed-title">{titleOf(item.entry.policyId)}</span>
              <span class="feed-detail">
                {t(item.entry.enabled ? 'feed.switchedOn' : 'feed.switchedOff', { user: item.entry.user })}
              </span>
            </li>
          ),
        )}
      </ol>
    </section>
  );
}

/**
 * The chart over the list's 7 days, or over 30 days read for this policy alone when asked for
 * (GET /policies/:id?days=30), so the list itself stays one request.
 */
function ChartWithRange({ policy, week }: { policy: PolicyView; week: PeriodReport[] }) {
  const { t } = useI18n();
  const [range, setRange] = useState<7 | 30>(7);
  const [month, setMonth] = useState<PeriodReport[] | undefined>(undefined);
  const choose = async (days: 7 | 30) => {
    setRange(days);
    if (days === 30) {
      try {
        const view = await request<PolicyView>(`/policies/${encodeURIComponent(policy.policyId)}?days=30`);
        setMonth(view.report?.days);
      } catch {
        setRange(7);
      }
    }
  };
  const days = range === 30 && month ? month : week;
  return (
    <div class="chart-box">
      <div class="range" role="group" aria-label={t('policy.chartRange')}>
        {([7, 30] as const).map((d) => (
          <button
            key={d}
            type="button"
            class={range === d ? 'range-option current' : 'range-option'}
            aria-pressed={range === d}
            onClick={() => void choose(d)}
            data-testid={`chart-range-${d}`}
          >
            {t('policy.days', { n: d })}
          </button>
        ))}
      </div>
      <DayChart days={days} />
    </div>
  );
}
