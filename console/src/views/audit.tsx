import { useEffect, useState } from 'preact/hooks';
import { request } from '../api';
import { useI18n, type MessageKey } from '../i18n';
import type { AuditEntry, PolicyView } from '../types';
import { Empty, ErrorNote, PageHead } from './parts';

export function AuditView({ live, policies }: { live: AuditEntry[]; policies: PolicyView[] }) {
  const i18n = useI18n();
  const { t, pick } = i18n;
  const [loaded, setLoaded] = useState<AuditEntry[] | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);

  useEffect(() => {
    request<{ entries: AuditEntry[] }>('/audit?limit=200')
      .then((answer) => setLoaded(answer.entries))
      .catch(setError);
  }, []);

  // switches that arrived live after the page loaded come first; the list is newest first
  const known = new Set((loaded ?? []).map((e) => e.auditId));
  const entries = [...live.filter((e) => !known.has(e.auditId)), ...(loaded ?? [])];
  const titleOf = (id: string) => {
    const found = policies.find((p) => p.policyId === id);
    return found ? pick(found.title) : id;
  };
  const via = (v: string) => {
    const key = `audit.via.${v}` as MessageKey;
    return t(key) === key ? v : t(key);
  };

  return (
    <div class="single">
      <PageHead title={t('audit.title')} lead={t('audit.lead')} />
      {error !== undefined && <ErrorNote error={error} />}
      {!loaded && !error && <p class="empty">{t('loading')}</p>}
      {loaded && entries.length === 0 && <Empty>{t('audit.none')}</Empty>}
      {entries.length > 0 && (
        <div class="panel flush">
          <table class="table" data-testid="audit-table">
            <thead>
              <tr>
                <th scope="col">{t('audit.when')}</th>
                <th scope="col">{t('audit.who')}</th>
                <th scope="col">{t('audit.policy')}</th>
                <th scope="col">{t('audit.change')}</th>
                <th scope="col">{t('audit.via')}</th>
                <th scope="col">{t('audit.from')}</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr key={e.auditId} data-policy-id={e.policyId} data-testid="audit-entry">
                  <td class="nowrap">{i18n.stamp(e.at)}</td>
                  <td>{e.user}</td>
                  <td>
                    {titleOf(e.policyId)}
                    <div class="muted small">
                      <code>{e.policyId}</code>
                    </div>
                  </td>
                  <td>
                    <span class={e.enabled ? 'badge badge-good' : 'badge badge-muted'}>
                      {e.enabled ? t('audit.on') : t('audit.off')}
                    </span>
                  </td>
                  <td>{via(e.via)}</td>
                  <td class="muted">{e.remoteAddress ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
