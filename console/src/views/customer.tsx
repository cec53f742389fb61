import { useState } from 'preact/hooks';
import { request } from '../api';
import { useI18n, type MessageKey } from '../i18n';
import { go, href } from '../route';
import type { CustomerAnswer, CustomerDocument, ProcessView } from '../types';
import { gapText, term } from '../words';
import { CustomerField } from './customer-field';
import { OfferList } from './explain';
import { useLookup } from './use-lookup';
import { ConsentStatus, Empty, ErrorNote, OutcomeBadge, PageHead, Section } from './parts';

export function CustomerView({ customer }: { customer: string }) {
  const { t } = useI18n();
  const [asked, setAsked] = useState(0);
  const { answer, error, busy } = useLookup(customer, asked, (ref) =>
    request<CustomerAnswer>(`/customers/${encodeURIComponent(ref)}`),
  );

  return (
    <div class="single">
      <PageHead title={t('customer.title')} lead={t('customer.lead')} />
      <CustomerField
        value={customer}
        label={t('explain.customer')}
        submit={busy ? t('customer.loading') : t('customer.find')}
        busy={busy}
        testId="customer"
        onSubmit={(ref) => (ref === customer ? setAsked((n) => n + 1) : go('customer', ref))}
      />
      {error !== undefined && <ErrorNote error={error} />}
      {answer && <CustomerResult answer={answer} asked={customer} />}
    </div>
  );
}

function nameOf(doc: CustomerDocument | undefined, fallback: string): string {
  if (!doc) return fallback;
  if (doc.kind === 'organization')
    return doc.organization?.legalName ?? doc.organization?.nameLines?.join(' ') ?? fallback;
  const p = doc.person ?? {};
  return [p.salutation, p.title, p.givenName, p.familyName].filter(Boolean).join(' ') || fallback;
}

/** The value at a lineage path such as "person.givenName" or "addresses[0].city". */
function valueAt(doc: unknown, path: string): unknown {
  let here: unknown = doc;
  for (const part of path.replace(/\[(\d+)\]/g, '.$1').split('.')) {
    if (here === null || typeof here !== 'object') return undefined;
    here = (here as Record<string, unknown>)[part];
  }
  return here;
}

/** A value for reading: a nested record as "key: value" pairs of its plain fields, not as JSON. */
function show(value: unknown): string {
  if (value === undefined || value === null) return '—';
  if (Array.isArray(value)) return value.map(show).join('; ');
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== null && typeof v !== 'object')
      .map(([k, v]) => `${k}: ${String(v)}`)
      .join(', ');
  }
  return String(value);
}

function processOf(entry: ProcessView | { process: ProcessView }): ProcessView {
  return 'process' in entry ? entry.process : entry;
}

function CustomerResult({ answer, asked }: { answer: CustomerAnswer; asked: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const doc = answer.document ?? answer.customer?.document;
  const quality = answer.dataQuality ?? doc?.dataQuality;
  const lineage = Object.entries(answer.lineage ?? {});
  const processes = (answer.openProcesses ?? []).map(processOf);
  const offers = answer.offers ?? [];
  const interactions = answer.lastInteractions ?? [];
  const xrefs = answer.xrefs ?? doc?.identifiers?.map((i) => `${i.system}:${i.id}`) ?? [];

  return (
    <div class="result" data-testid="customer-result" aria-live="polite">
      <section class="panel customer-card">
        <div class="customer-head">
          <div>
            <h2 class="customer-name" data-testid="customer-name">
              {nameOf(doc, answer.customerRef)}
            </h2>
            <p class="policy-meta">
              <code>{asked}</code>
              {answer.goldenId && (
                <span>
                  {t('customer.goldenId')} <code>{answer.goldenId}</code>
                </span>
              )}
              {answer.revision !== undefined && (
                <span>
                  {t('customer.revision')} {answer.revision}
                </span>
              )}
            </p>
          </div>
          <a class="button ghost" href={href('explain', asked)}>
            {t('customer.explain')}
          </a>
        </div>
        <dl class="facts">
          <div>
            <dt>{t('customer.tier')}</dt>
            <dd data-testid="customer-tier">{doc?.tier ?? '—'}</dd>
          </div>
          <div>
            <dt>{t('customer.serviceLevel')}</dt>
            <dd data-testid="customer-service-level" title={answer.serviceLevel?.reasons.join('\n')}>
              {answer.serviceLevel ? (
                <span class={`service-level ${answer.serviceLevel.level}`}>
                  {t(`customer.serviceLevel.${answer.serviceLevel.level}` as MessageKey)}
                </span>
              ) : (
                '—'
              )}
            </dd>
          </div>
          <div>
            <dt>{t('customer.segment')}</dt>
            <dd>{doc?.segment ?? '—'}</dd>
          </div>
          <div>
            <dt>{t('customer.birthDate')}</dt>
            <dd>{doc?.birthDate ? i18n.date(doc.birthDate) : '—'}</dd>
          </div>
          <div>
            <dt>{t('customer.updated')}</dt>
            <dd>{doc?.updatedAt ? i18n.dateTime(doc.updatedAt) : '—'}</dd>
          </div>
          <div>
            <dt>{t('customer.quality')}</dt>
            <dd>
              {quality ? (
                <span class="quality">
                  <meter min={0} max={1} low={0.6} high={0.85} optimum={1} value={quality.score} />{' '}
                  {i18n.percent(quality.score)}
                </span>
              ) : (
                '—'
              )}
            </dd>
          </div>
        </dl>
      </section>

      <div class="three-col">
        <Section title={t('customer.contact')} testId="customer-contact">
          {!doc?.addresses?.length && !doc?.phones?.length && !doc?.emails?.length ? (
            <Empty>{t('customer.none')}</Empty>
          ) : (
            <ul class="plain-list">
              {doc?.addresses?.map((a, i) => (
                <li key={`a${i}`}>
                  <span class="muted small">{term(i18n, 'address-type', a.type)}</span>
                  {[
                    a.streetLines?.join(', ') ?? [a.street, a.houseNumber].filter(Boolean).join(' '),
                    [a.postalCode, a.city, a.country].filter(Boolean).join(' '),
                  ]
                    .filter(Boolean)
                    .map((line) => (
                      <div key={line}>{line}</div>
                    ))}
                </li>
              ))}
              {doc?.phones?.map((p) => (
                <li key={p.number}>
                  <span class="muted small">{term(i18n, 'phone-type', p.type)}</span> {p.number}
                </li>
              ))}
              {doc?.emails?.map((e) => (
                <li key={e.address}>
                  <span class="muted small">{term(i18n, 'email-type', e.type)}</span> {e.address}
                </li>
              ))}
            </ul>
          )}
        </Section>
        <Section title={t('customer.consents')}>
          {!doc?.consents?.length ? (
            <Empty>{t('customer.none')}</Empty>
          ) : (
            <ul class="plain-list">
              {doc.consents.map((c) => (
                <li key={`${c.channel}-${c.purpose}`}>
                  <strong>{c.channel}</strong> · {c.purpose}: <ConsentStatus status={c.status} />
                </li>
              ))}
            </ul>
          )}
        </Section>
        <Section title={t('customer.sources')}>
          {xrefs.length === 0 ? (
            <Empty>{t('customer.none')}</Empty>
          ) : (
            <ul class="plain-list" data-testid="customer-xrefs">
              {xrefs.map((x) => (
                <li key={x}>
                  <code>{x}</code>
                </li>
              ))}
            </ul>
          )}
          {quality && quality.gaps.length > 0 && (
            <p class="small" data-testid="customer-gaps">
              <strong>{t('customer.gaps')}:</strong>{' '}
              {quality.gaps.map((gap) => gapText(i18n, gap)).join(', ')}
            </p>
          )}
        </Section>
      </div>

      <div class="three-col">
        <Section title={t('customer.nbo')} testId="customer-nbo">
          <OfferList nbo={answer.nextBestOffer} />
        </Section>
        <Section title={t('customer.offers')}>
          {offers.length === 0 ? (
            <Empty>{t('customer.none')}</Empty>
          ) : (
            <ul class="plain-list" data-testid="customer-offers">
              {offers.map((o) => (
                <li key={o.offerId ?? `${o.policyId}-${o.offer}`}>
                  <strong>{o.offer}</strong> <span class="muted">· {o.channel ?? o.action}</span>{' '}
                  {o.status && (
                    <OutcomeBadge
                      outcome={o.status === 'open' ? 'pending' : o.status}
                      label={term(i18n, 'offer-status', o.status)}
                    />
                  )}{' '}
                  {o.heldBack === 'switched-off' && <OutcomeBadge outcome="switched-off" />}
                  <div class="muted small">
                    {o.policyId}
                    {o.createdAt ? ` · ${i18n.date(o.createdAt)}` : ''}
                  </div>
                  {o.heldBack === 'switched-off' && (
                    <div class="muted small" data-testid="offer-held-back">
                      {t('customer.heldBack')}
                    </div>
                  )}
                </li>
              ))}
            </ul>
          )}
        </Section>
        <Section title={t('customer.processes')} testId="customer-processes">
          {processes.length === 0 ? (
            <Empty>{t('customer.none')}</Empty>
          ) : (
            <ul class="plain-list">
              {processes.map((p) => (
                <li key={p.processId}>
                  <strong>{p.kind}</strong> · {p.step}{' '}
                  <span class="muted">({term(i18n, 'process-status', p.status)})</span>
                  <div class="muted small">
                    {p.lastChannel}
                    {p.updatedAt ? ` · ${i18n.dateTime(p.updatedAt)}` : ''}
                  </div>
                </li>
              ))}
            </ul>
          )}
        </Section>
      </div>

      <Section title={t('customer.lineage')}>
        {lineage.length === 0 ? (
          <Empty>{t('customer.none')}</Empty>
        ) : (
          <table class="table" data-testid="customer-lineage">
            <thead>
              <tr>
                <th scope="col">{t('customer.attribute')}</th>
                <th scope="col">{t('customer.value')}</th>
                <th scope="col">{t('customer.source')}</th>
                <th scope="col">{t('customer.rule')}</th>
                <th scope="col">{t('customer.at')}</th>
              </tr>
            </thead>
            <tbody>
              {lineage.map(([path, l]) => (
                <tr key={path}>
                  <td>
                    <code>{path}</code>
                  </td>
                  <td class="value-cell">{show(valueAt(doc, path))}</td>
                  <td>
                    <code>
                      {l.source.system}:{l.source.sourceId}
                    </code>
                    {l.via && <span class="muted small"> · {l.via}</span>}
                  </td>
                  <td class="rule">{term(i18n, 'rule', l.rule)}</td>
                  <td class="nowrap">{i18n.dateTime(l.at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>

      <Section title={t('customer.interactions')}>
        {interactions.length === 0 ? (
          <Empty>{t('customer.none')}</Empty>
        ) : (
          <table class="table">
            <tbody>
              {interactions.map((e) => (
                <tr key={e.eventId}>
                  <td class="nowrap">{i18n.dateTime(e.occurredAt)}</td>
                  <td>{e.type}</td>
                  <td>{e.channel}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
    </div>
  );
}
