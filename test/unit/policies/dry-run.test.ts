import { dryRun, compileDryRunCard, DRY_RUN_NOTES, type DryRunStore } from '../../../policies/dry-run';
import { CardFileError } from '../../../policies/card-files';
import type { HistoryEntry, StoredInteraction, VersionedCustomer } from '../../../records/store';

const CARD = `policy: platinum-sms
title: { de: "Platin-SMS", en: "Platinum SMS" }
when: event withdrawal where amount.value > 10000
if: customer.tier == "platinum"
then: sms premium-card to sms
limits: { per-customer: 1 per 7d }
priority: 70
`;

const granted = [{ channel: 'sms', purpose: 'marketing', status: 'granted', at: '2025-01-01T00:00:00Z' }];
const withdrawn = [{ channel: 'sms', purpose: 'marketing', status: 'withdrawn', at: '2025-01-02T00:00:00Z' }];

const PROFILES: Record<string, Record<string, unknown>> = {
  'crm:1': { tier: 'platinum', consents: granted },
  'crm:2': { tier: 'platinum' },
  'crm:3': { tier: 'platinum', consents: withdrawn },
  'crm:4': { tier: 'gold', consents: granted },
  'crm:5': { tier: 'platinum', consents: granted },
};

function withdrawal(
  eventId: string,
  customerRef: string,
  occurredAt: string,
  value: number,
): StoredInteraction {
  return {
    eventId,
    customerRef,
    type: 'withdrawal',
    channel: 'branch',
    occurredAt,
    summary: { amount: { value, currency: 'EUR' } },
  };
}

/** What golden-record recorded over January 2025 (and one event after it). */
const RECORDED: StoredInteraction[] = [
  withdrawal('w-1', 'crm:1', '2025-01-06T10:00:00.000Z', 12000), // fires
  withdrawal('w-2', 'crm:1', '2025-01-08T10:00:00.000Z', 15000), // card cap: 1 per 7d
  withdrawal('w-3', 'crm:1', '2025-01-14T10:00:00.000Z', 11000), // fires again, 8 days later
  withdrawal('w-4', 'crm:1', '2025-01-15T10:00:00.000Z', 500), // not matched: amount
  withdrawal('w-5', 'crm:2', '2025-01-07T10:00:00.000Z', 20000), // consent: none granted
  withdrawal('w-6', 'crm:3', '2025-01-07T11:00:00.000Z', 20000), // opt-out: withdrawn
  withdrawal('w-7', 'crm:4', '2025-01-07T12:00:00.000Z', 20000), // not matched: gold
  withdrawal('w-8', 'crm:5', '2025-01-09T21:30:00.000Z', 20000), // quiet hours: 22:30 in Berlin
  // card cap: the card fired for w-8 (its cap counted it) before the contact policy held it back
  withdrawal('w-9', 'crm:5', '2025-01-10T09:00:00.000Z', 20000),
  {
    eventId: 'l-1',
    customerRef: 'crm:1',
    type: 'login',
    channel: 'web',
    occurredAt: '2025-01-06T09:00:00.000Z',
  },
  {
    eventId: 'policy-switch-1',
    customerRef: 'policy-audit:platinum-sms',
    type: 'policy-switched',
    channel: 'api',
    occurredAt: '2025-01-05T09:00:00.000Z',
    summary: { enabled: true },
  },
  withdrawal('w-10', 'crm:1', '2025-02-01T10:00:00.000Z', 50000), // after the period
];

function fakeStore(): DryRunStore & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    async listInteractionsBetween(from, to, options = {}) {
      reads.push(`between ${from} ${to} ${options.limit}`);
      const sorted = RECORDED.filter((i) => i.occurredAt >= from && i.occurredAt < to).sort((a, b) =>
        a.occurredAt === b.occurredAt
          ? a.eventId < b.eventId
            ? -1
            : 1
          : a.occurredAt < b.occurredAt
            ? -1
            : 1,
      );
      const after = options.after;
      const rest = after
        ? sorted.filter(
            (i) =>
              i.occurredAt > after.occurredAt ||
              (i.occurredAt === after.occurredAt && i.eventId > after.eventId),
          )
        : sorted;
      return rest.slice(0, options.limit ?? 1000);
    },
    async getCustomer(ref): Promise<VersionedCustomer | undefined> {
      const document = PROFILES[ref];
      return document
        ? {
            customerRef: ref,
            document,
            updatedAt: '2025-01-01T00:00:00.000Z',
            sourceSystem: 'crm',
            version: 1,
          }
        : undefined;
    },
    async listHistory(): Promise<HistoryEntry[]> {
      return [];
    },
  };
}

const PERIOD = { from: '2025-01-01T00:00:00Z', to: '2025-02-01T00:00:00Z' };

describe('dryRun', () => {
  it('counts what the card would have done over the recorded events, and for whom', async () => {
    const store = fakeStore();
    const report = await dryRun({ card: CARD, ...PERIOD, store });

    expect(report.policyId).toBe('platinum-sms');
    expect(report.version).toEqual({ number: expect.any(Number), hash: expect.any(String) });
    expect(report.period).toEqual({ from: '2025-01-01T00:00:00.000Z', to: '2025-02-01T00:00:00.000Z' });
    // ten customer events in January (the audit entry is none, w-10 is in February)
    expect(report.events).toBe(10);
    expect(report.truncated).toBe(false);
    expect(report.evaluated).toBe(9);
    expect(report.notMatched).toBe(2);
    expect(report.wouldFire).toBe(2);
    expect(report.stopped).toEqual({ cap: 2, consent: 1, 'opt-out': 1, 'quiet-hours': 1 });
    expect(report.stoppedBy).toEqual({
      card: { cap: 2 },
      contact: { consent: 1, 'opt-out': 1, 'quiet-hours': 1 },
    });
    expect(report.customerCount).toBe(4);
    // each note once more by its key, in the same order, for a console that says it in German
    expect(report.noteKeys).toEqual(['profiles-now', 'recorded-fields', 'card-alone']);
    expect(report.notes).toEqual(report.noteKeys.map((key) => DRY_RUN_NOTES[key]));
    expect(report.customers).toEqual([
      { customerRef: 'crm:1', fired: 2, stopped: { cap: 1 } },
      { customerRef: 'crm:5', fired: 0, stopped: { 'quiet-hours': 1, cap: 1 } },
      { customerRef: 'crm:2', fired: 0, stopped: { consent: 1 } },
      { customerRef: 'crm:3', fired: 0, stopped: { 'opt-out': 1 } },
    ]);
    expect(report.sample.map((s) => [s.eventId, s.outcome, s.reason ?? null, s.stage ?? null])).toEqual([
      ['w-1', 'would-fire', null, null],
      ['w-5', 'stopped', 'consent', 'contact'],
      ['w-6', 'stopped', 'opt-out', 'contact'],
      ['w-2', 'stopped', 'cap', 'card'],
      ['w-8', 'stopped', 'quiet-hours', 'contact'],
      ['w-9', 'stopped', 'cap', 'card'],
      ['w-3', 'would-fire', null, null],
    ]);
    expect(report.sample[0].actions).toEqual([
      {
        action: 'sms',
        channel: 'sms',
        offer: 'premium-card',
        contact: expect.objectContaining({ allowed: true }),
      },
    ]);
    expect(report.sample[3].explanation).toContain('cap reached: per-customer 1 per 7d');
  });

  it('applies the deployment contact caps on scratch counters, never on the store', async () => {
    const report = await dryRun({
      card: CARD,
      ...PERIOD,
      store: fakeStore(),
      contactPolicy: { caps: { global: '1 per 30d' } },
    });
    // w-1 takes the one global contact; w-3, the card's next firing, is capped by the contact policy
    expect(report.wouldFire).toBe(1);
    expect(report.stoppedBy.contact).toEqual({ consent: 1, 'opt-out': 1, 'quiet-hours': 1, cap: 1 });
    expect(report.stopped.cap).toBe(3);
  });

  it('keeps the sample and the customer list short and stops at maxEvents', async () => {
    const report = await dryRun({
      card: CARD,
      ...PERIOD,
      store: fakeStore(),
      sampleSize: 2,
      topCustomers: 1,
      maxEvents: 3,
    });
    expect(report.truncated).toBe(true);
    expect(report.events).toBe(3);
    expect(report.sample).toHaveLength(2);
    expect(report.customers).toHaveLength(1);
  });

  it('takes a card object as well as YAML, and names line and field of a broken card', async () => {
    const report = await dryRun({
      card: {
        policy: 'platinum-sms',
        title: { de: 'x', en: 'x' },
        when: 'event withdrawal where amount.value > 10000',
        if: 'customer.tier == "platinum"',
        then: 'sms premium-card to sms',
        limits: { 'per-customer': '1 per 7d' },
        priority: 70,
      },
      ...PERIOD,
      store: fakeStore(),
    });
    expect(report.wouldFire).toBe(2);
    let error: unknown;
    try {
      compileDryRunCard(CARD.replace('priority: 70', 'priority: high'));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(CardFileError);
    expect(error).toMatchObject({ line: 7, field: 'priority' });
  });

  it('refuses bad periods', async () => {
    await expect(
      dryRun({ card: CARD, from: 'yesterday', to: PERIOD.to, store: fakeStore() }),
    ).rejects.toThrow(/from/);
    await expect(
      dryRun({ card: CARD, from: PERIOD.to, to: PERIOD.from, store: fakeStore() }),
    ).rejects.toThrow(/before/);
  });
});
