import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { API, ApiFailure, fetchSession, request, sessionEnded } from './api';
import type { AuditEntry, LiveDecision, PeriodReport, PolicyView } from './types';

export type LiveStatus = 'connecting' | 'connected' | 'offline';

export type FeedItem =
  | { kind: 'decision'; key: string; decision: LiveDecision }
  | { kind: 'toggle'; key: string; entry: AuditEntry };

const FEED_LENGTH = 50;
const REFRESH_MS = 60_000;

export interface HubState {
  policies: PolicyView[] | undefined;
  error: ApiFailure | undefined;
  feed: FeedItem[];
  live: LiveStatus;
  /** the audit entries the live stream brought since the page loaded, newest first */
  toggles: AuditEntry[];
  reload(): Promise<void>;
  setEnabled(policyId: string, enabled: boolean): Promise<void>;
}

/**
 * The policies with their figures, kept current by /console/api/live: a decision counts towards its
 * policy's fires at once and a switch made elsewhere (the editor, another marketer) shows, without a
 * reload. The figures come back from the hub on the next load.
 */
export function useHubState(active: boolean): HubState {
  const [policies, setPolicies] = useState<PolicyView[] | undefined>(undefined);
  const [error, setError] = useState<ApiFailure | undefined>(undefined);
  const [feed, setFeed] = useState<FeedItem[]>([]);
  const [toggles, setToggles] = useState<AuditEntry[]>([]);
  const [live, setLive] = useState<LiveStatus>('connecting');
  const counted = useRef(new Set<string>());

  const reload = useCallback(async () => {
    try {
      const answer = await request<{ policies: PolicyView[] }>('/policies');
      setPolicies(answer.policies);
      setError(undefined);
    } catch (err) {
      setError(err instanceof ApiFailure ? err : new ApiFailure(0, 'network', String(err)));
    }
  }, []);

  const setEnabled = useCallback(async (policyId: string, enabled: boolean) => {
    const answer = await request<{ enabled: boolean }>(`/policies/${encodeURIComponent(policyId)}/state`, {
      method: 'PUT',
      body: { enabled },
    });
    const now = answer?.enabled ?? enabled;
    setPolicies((list) => list?.map((p) => (p.policyId === policyId ? { ...p, enabled: now } : p)));
  }, []);

  useEffect(() => {
    if (!active) return undefined;
    void reload();
    const source = new EventSource(`${API}/live`);
    setLive('connecting');
    let opened = false;
    source.onopen = () => {
      setLive('connected');
      // after a reconnect the stream may have missed fires: read the figures again
      if (opened) void reload();
      opened = true;
    };
    // responses, suppressions and the holdout do not come over the stream: refresh them now and then
    const refresh = window.setInterval(() => {
      if (document.visibilityState === 'visible') void reload();
    }, REFRESH_MS);
    // EventSource reconnects by itself; until then the page says the figures are not live
    source.onerror = () => {
      if (source.readyState !== EventSource.CLOSED) return setLive('connecting');
      setLive('offline');
      // It gives up for good on an answer other than 200 and does not say which. A 401 is a session the
      // hub no longer has (a restart ends them all: they are kept in memory; a log-out elsewhere): back
      // to the log-in now, also in a hidden tab, which the refresh below skips.
      void noticeSessionEnd();
    };
    source.addEventListener('decision', (message: MessageEvent<string>) => {
      const decision = parse<LiveDecision>(message.data);
      if (!decision || counted.current.has(decision.decisionId)) return;
      // a redelivered decision counts once; the ids of a long day are forgotten in bulk
      if (counted.current.size > 10_000) counted.current.clear();
      counted.current.add(decision.decisionId);
      setPolicies((list) => list?.map((p) => (p.policyId === decision.policyId ? withFire(p) : p)));
      setFeed((items) =>
        [{ kind: 'decision' as const, key: decision.decisionId, decision }, ...items].slice(0, FEED_LENGTH),
      );
    });
    source.addEventListener('toggle', (message: MessageEvent<string>) => {
      const entry = parse<AuditEntry>(message.data);
      if (!entry) return;
      setPolicies((list) =>
        list?.map((p) => (p.policyId === entry.policyId ? { ...p, enabled: entry.enabled } : p)),
      );
      setToggles((entries) => [entry, ...entries.filter((e) => e.auditId !== entry.auditId)]);
      setFeed((items) =>
        [
          { kind: 'toggle' as const, key: entry.auditId, entry },
          ...items.filter((i) => i.key !== entry.auditId),
        ].slice(0, FEED_LENGTH),
      );
    });
    return () => {
      window.clearInterval(refresh);
      source.close();
    };
  }, [active, reload]);

  return { policies, error, feed, live, toggles, reload, setEnabled };
}

/** Asks the hub whether the session is still there; a hub that cannot be reached leaves it at offline. */
async function noticeSessionEnd(): Promise<void> {
  try {
    if (!(await fetchSession())) sessionEnded();
  } catch {
    // not reachable, or refused for another reason: the badge already says the figures are not live
  }
}

function parse<T>(data: string): T | undefined {
  try {
    return JSON.parse(data) as T;
  } catch {
    return undefined;
  }
}

function bump(period: PeriodReport): PeriodReport {
  return { ...period, fires: period.fires + 1 };
}

/** One more fire today, in the process counts and in the report (its last day is today). */
function withFire(policy: PolicyView): PolicyView {
  const { counts, report } = policy;
  const next: PolicyView = {
    ...policy,
    counts: {
      ...counts,
      today: { ...counts.today, fired: counts.today.fired + 1 },
      last7Days: { ...counts.last7Days, fired: counts.last7Days.fired + 1 },
    },
  };
  if (report) {
    const days = report.days.slice();
    if (days.length) days[days.length - 1] = bump(days[days.length - 1]);
    next.report = { ...report, today: bump(report.today), last7Days: bump(report.last7Days), days };
  }
  return next;
}
