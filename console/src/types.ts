/**
 * What /console/api answers, as far as the console reads it. The console is a browser bundle and
 * reaches the hub over HTTP only, so these shapes are restated here rather than imported from the
 * server layers (policies/registry.ts, policies/response-ledger.ts, policies/dry-run.ts, records/).
 */

export type Lang = 'de' | 'en';
export type Localized = { de: string; en: string };
export type Role = 'marketer' | 'integrator';

export interface Session {
  authRequired: boolean;
  user: string;
  role: Role;
  csrfToken: string;
}

export interface OutcomeCounts {
  evaluated: number;
  fired: number;
  notMatched: number;
  pending: number;
  suppressed: Record<string, number>;
}

export interface ConversionGroup {
  n: number;
  converted: number;
  rate: number | null;
}

export interface PeriodReport {
  from: string;
  to: string;
  fires: number;
  delivered: number;
  holdout: number;
  suppressed: Record<string, number>;
  responses: Record<string, number>;
  unanswered: number;
  positive: number;
  responseRate: number | null;
  conversion: { treated: ConversionGroup; holdout: ConversionGroup; uplift: number | null };
}

export interface PolicyReport {
  policyId: string;
  today: PeriodReport;
  last7Days: PeriodReport;
  days: PeriodReport[];
  awaiting: number;
  ignoreAfter: string;
}

/** whether a card's schedule lets it act at the moment the list was read */
export interface ScheduleNow {
  active: boolean;
  state: 'active' | 'not-started' | 'ended' | 'outside-hours';
  at: string;
}

export interface PolicyView {
  policyId: string;
  title: Localized;
  plain?: Localized;
  /** the card's limits, schedule, control group … one sentence each */
  plainDetails?: { de: string[]; en: string[] };
  /** only for a card with a schedule */
  schedule?: ScheduleNow;
  description?: string | Localized;
  mode: 'trigger' | 'lurking';
  version: { number: number; hash: string };
  priority: number;
  eventTypes: string[];
  enabled: boolean;
  counts: { since: string; today: OutcomeCounts; last7Days: OutcomeCounts };
  report?: PolicyReport;
  reportError?: string;
}

export interface AuditEntry {
  auditId: string;
  policyId: string;
  at: string;
  enabled: boolean;
  previous: boolean;
  user: string;
  via: string;
  remoteAddress?: string;
}

export interface LiveDecision {
  policyId: string;
  title?: Localized;
  customerRef: string;
  decisionId: string;
  channel: string;
  action: string;
  offer?: string;
  at: string;
  outcome: string;
}

export interface DryRunSample {
  eventId: string;
  customerRef: string;
  type: string;
  channel: string;
  occurredAt: string;
  decidedAt: string;
  outcome: 'would-fire' | 'stopped';
  reason?: string;
  stage?: 'card' | 'contact';
  explanation: string;
  actions: {
    action: string;
    channel: string;
    offer?: string;
    contact: { allowed: boolean; detail: string };
  }[];
}

export interface DryRunReport {
  policyId: string;
  version: { number: number; hash: string };
  period: { from: string; to: string };
  events: number;
  truncated: boolean;
  evaluated: number;
  notMatched: number;
  /** events with an amount in another currency than the card's threshold (not compared), by currency */
  otherCurrencies?: Record<string, number>;
  pending: number;
  wouldFire: number;
  stopped: Record<string, number>;
  stoppedBy: { card: Record<string, number>; contact: Record<string, number> };
  customers: { customerRef: string; fired: number; stopped: Record<string, number> }[];
  customerCount: number;
  sample: DryRunSample[];
  notes: string[];
  /** the notes' stable keys, in the same order (policies/dry-run.ts DRY_RUN_NOTES) */
  noteKeys?: string[];
}

export interface Check {
  condition: string;
  held: boolean;
  actual: unknown;
  /** a money threshold or sum: the currencies it judged (policies/money.ts MoneyCheck) */
  money?: {
    currency: string;
    threshold: string;
    assumed?: true;
    leftOut?: Record<string, number>;
  };
}

export interface RankedDecision {
  rank: number;
  decisionId: string;
  policyId: string;
  channel: string;
  priority: number;
  score?: number;
  outcome: 'won' | 'lost' | 'holdout';
  lostTo?: { policyId: string; because: string };
}

export interface Evaluation {
  policyId: string;
  outcome: string;
  reason: string;
  checks: Check[];
  cap?: { scope: string; limit: string; count: number; channel?: string };
  dueAt?: string;
  lostTo?: { policyId: string; decisionId: string; channel: string };
  event: { eventId: string; type: string; channel: string; occurredAt: string };
  evaluatedAt: string;
  decisions: { decisionId: string; action: string; channel: string; offer?: string }[];
  arbitration?: {
    summary: string;
    rule?: 'priority, then score' | 'score, then priority';
    perChannel?: number;
    ranked: RankedDecision[];
  };
}

export interface Offer {
  offerId?: string;
  policyId: string;
  offer: string;
  action: string;
  channel?: string;
  source?: string;
  status?: string;
  /** 'switched-off': listed in the customer 360 but not presented while its policy is switched off */
  heldBack?: string;
  createdAt?: string;
  expiresAt?: string;
  title?: Partial<Localized>;
}

export interface NextBestOffer {
  offers: Offer[];
  explanation?: string;
}

export interface ExplainAnswer {
  /** the source record whose evaluations these are; asked by golden id, its first member */
  customerRef: string;
  /** asked by golden id: that id and every source record of the golden record, sorted */
  goldenId?: string;
  members?: string[];
  policies: { policyId: string; title: Localized; plain?: Localized; evaluations: Evaluation[] }[];
  nextBestOffer?: NextBestOffer;
}

export interface Consent {
  channel: string;
  purpose: string;
  status: string;
  at: string;
  source?: { system: string };
}

export interface CustomerDocument {
  customerRef: string;
  kind: 'person' | 'organization';
  person?: { salutation?: string; title?: string; givenName?: string; familyName?: string };
  organization?: { legalName?: string; nameLines?: string[] };
  birthDate?: string;
  tier?: string;
  segment?: string;
  addresses?: {
    type: string;
    street?: string;
    houseNumber?: string;
    streetLines?: string[];
    postalCode?: string;
    city?: string;
    country?: string;
  }[];
  phones?: { number: string; type: string; preferred?: boolean }[];
  emails?: { address: string; type: string; preferred?: boolean }[];
  consents?: Consent[];
  identifiers?: { system: string; id: string }[];
  dataQuality?: { complete: boolean; gaps: string[]; score: number };
  updatedAt?: string;
}

export interface Lineage {
  source: { system: string; sourceId: string };
  rule: string;
  at: string;
  via?: string;
  note?: string;
}

export interface ProcessView {
  processId: string;
  kind: string;
  step: string;
  status: string;
  startedOn?: string;
  lastChannel?: string;
  updatedAt?: string;
  expiresAt?: string;
}

export interface CustomerAnswer {
  customerRef: string;
  customer?: { document: CustomerDocument; updatedAt: string; sourceSystem: string; version?: number };
  goldenId?: string;
  xrefs?: string[];
  document?: CustomerDocument;
  lineage?: Record<string, Lineage>;
  dataQuality?: { complete: boolean; gaps: string[]; score: number };
  revision?: number;
  offers?: Offer[];
  lastInteractions?: { eventId: string; type: string; channel: string; occurredAt: string }[];
  openProcesses?: (ProcessView | { process: ProcessView; revision?: number })[];
  /** how the company serves the customer now, with the reasons in plain words (English) */
  serviceLevel?: { level: 'standard' | 'priority' | 'premium'; openComplaints: number; reasons: string[] };
  nextBestOffer?: NextBestOffer;
}
