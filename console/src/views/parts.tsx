import type { ComponentChildren } from 'preact';
import { errorText } from '../error-text';
import { useI18n, type MessageKey } from '../i18n';

/** The hub's error, in words a marketer can act on, in the console's language (error-text.ts). */
export function ErrorNote({ error }: { error: unknown }) {
  const i18n = useI18n();
  return (
    <p class="note note-error" role="alert">
      {errorText(i18n, error)}
    </p>
  );
}

export function PageHead({
  title,
  lead,
  children,
}: {
  title: string;
  lead?: string;
  children?: ComponentChildren;
}) {
  return (
    <div class="page-head">
      <div>
        <h1>{title}</h1>
        {lead && <p class="lead">{lead}</p>}
      </div>
      {children && <div class="page-tools">{children}</div>}
    </div>
  );
}

export function Stat({
  label,
  value,
  detail,
  testId,
  tone,
}: {
  label: string;
  value: string;
  detail?: string;
  testId?: string;
  tone?: 'good' | 'bad' | 'muted';
}) {
  return (
    <div class="stat">
      <dt>{label}</dt>
      <dd class={tone ? `stat-value tone-${tone}` : 'stat-value'} data-testid={testId}>
        {value}
      </dd>
      {detail && <dd class="stat-detail">{detail}</dd>}
    </div>
  );
}

const OUTCOME_TONE: Record<string, string> = {
  fired: 'good',
  'would-fire': 'good',
  won: 'good',
  'not-matched': 'muted',
  'switched-off': 'muted',
  pending: 'info',
  holdout: 'info',
};

/** An outcome as a labelled badge: the word carries the meaning, the colour only repeats it. */
export function OutcomeBadge({ outcome, label }: { outcome: string; label?: string }) {
  const { t } = useI18n();
  const key = `outcome.${outcome}` as MessageKey;
  const text = label ?? (t(key) === key ? outcome : t(key));
  return <span class={`badge badge-${OUTCOME_TONE[outcome] ?? 'warn'}`}>{text}</span>;
}

/** A condition's value as the card compared it: strings quoted, objects as JSON, absence as a dash. */
export function formatValue(value: unknown): string {
  if (value === undefined || value === null) return '—';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** A suppression or stop reason in words; a code the console does not know reads as words too. */
export function useReasonText(): (reason: string) => string {
  const { t } = useI18n();
  return (reason) => {
    const key = `reason.${reason}` as MessageKey;
    const text = t(key);
    return text === key ? reason.replace(/-/g, ' ') : text;
  };
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="empty">{children}</p>;
}

export function Section({
  title,
  children,
  testId,
  class: extra,
}: {
  title: string;
  children: ComponentChildren;
  testId?: string;
  class?: string;
}) {
  return (
    <section class={extra ? `panel ${extra}` : 'panel'} data-testid={testId}>
      <h2 class="panel-title">{title}</h2>
      {children}
    </section>
  );
}

/** A consent's status in words, coloured as well: granted in green, anything else in red. */
export function ConsentStatus({ status }: { status: string }) {
  const { t } = useI18n();
  const key = `consent.${status}` as MessageKey;
  return (
    <span class={status === 'granted' ? 'tone-good' : 'tone-bad'}>{t(key) === key ? status : t(key)}</span>
  );
}
