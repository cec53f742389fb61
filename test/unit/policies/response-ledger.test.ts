import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Evaluation, Explanation, Outcome } from '../../../policies/engine';
import { offerIdFor } from '../../../policies/decision-id';
import {
  ResponseLedger,
  ResponseLedgerError,
  type ContactOutcome,
  type LedgerResponse,
  type ResponseLedgerOptions,
} from '../../../policies/response-ledger';
import { EmbeddedStore } from '../../../records/embedded-store';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const T0 = Date.parse('2025-03-10T12:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

let directory = '';
let store: EmbeddedStore;
let now = T0;

beforeEach(async () => {
  directory = mkdtempSync(join(tmpdir(), 'crm-hub-ledger-'));
  store = new EmbeddedStore({ directory });
  await store.open();
  now = T0;
});

afterEach(async () => {
  await store.close();
  rmSync(directory, { recursive: true, force: true });
});

/** A ledger over the test's store; a second one over the same store is the hub after a restart. */
function ledger(options: Partial<ResponseLedgerOptions> = {}): ResponseLedger {
  return new ResponseLedger({ store: () => store, clock: () => now, ...options });
}

function delivered(actionId: string, extra: Partial<ContactOutcome> = {}): ContactOutcome {
  return { policyId: 'p1', actionId, customerRef: `crm:${actionId}`, allowed: true, at: now, ...extra };
}

function response(responseId: string, offerId: string, outcome: string, atMs = now): LedgerResponse {
  return { responseId, offerId, customerRef: `crm:${offerId}`, outcome, occurredAt: iso(atMs) };
}

function explained(policyId: string, eventId: string, outcome: Outcome): Explanation {
  return {
    policyId,
    eventId,
    outcome,
    cardVersion: { number: 1, hash: '0123456789abcdef' },
    title: { de: policyId, en: policyId },
    reason: outcome,
    checks: [],
  };
}

function evaluation(...explanations: Explanation[]): Pick<Evaluation, 'explanations' | 'decisions'> {
  return { explanations, decisions: [] };
}

const event = (eventId: string, ref: string) => ({ eventId, customer: { ref } });

async function report(l: ResponseLedger, policyId = 'p1', days?: number) {
  const reports = await l.report({ policyIds: [policyId], ...(days ? { days } : {}) });
  return reports.get(policyId)!;
}

describe('response ledger', () => {
  it('reports fires, deliveries, suppressions by reason, the control group and the response rate', async () => {
    const l = ledger();
    await l.recordEvaluation(
      evaluation(
        explained('p1', 'e1', 'fired'),
        explained('p1', 'e2', 'holdout'),
        explained('p1', 'e3', 'capped'),
        explained('p1', 'e4', 'arbitration-lost'),
        explained('p1', 'e5', 'cooldown'),
        explained('p1', 'e6', 'not-matched'),
        explained('p1', 'e7', 'switched-off'),
      ),
      event('e1', 'crm:1'),
    );
    for (const id of ['a1', 'a2', 'a3', 'a4']) await l.recordContact(delivered(id));
    await l.recordContact(delivered('a5', { allowed: false, reason: 'cap' }));
    await l.recordContact(delivered('a6', { allowed: false, reason: 'consent' }));
    await l.recordContact(delivered('a7', { allowed: false, reason: 'quiet-hours' }));
    await l.recordResponse(response('r1', 'a1', 'accepted'));
    await l.recordResponse(response('r2', 'a2', 'clicked'));
    await l.recordResponse(response('r3', 'a2', 'converted'));
    await l.recordResponse(response('r4', 'a3', 'declined'));

    const { today, last7Days } = await report(l);
    // everything happened today, so the week says the same
    expect({ ...last7Days, from: today.from }).toEqual(today);
    expect(today).toMatchObject({
      fires: 1,
      delivered: 4,
      holdout: 1,
      suppressed: {
        'arbitration-lost': 1,
        cap: 1,
        'capped-by-card': 1,
        consent: 1,
        cooldown: 1,
        'quiet-hours': 1,
      },
      // "declined" is kept as "rejected"; ignored shows only once a window has ended
      responses: { accepted: 1, rejected: 1, clicked: 1, converted: 1, ignored: 0 },
      // a2 clicked and converted: one positive action
      positive: 2,
      responseRate: 0.5,
      conversion: {
        treated: { n: 4, converted: 1, rate: 0.25 },
        holdout: { n: 1, converted: 0, rate: 0 },
        uplift: 0.25,
      },
    });
  });

  it('counts a redelivered evaluation, action and response once', async () => {
    const l = ledger();
    const fired = evaluation(explained('p1', 'e1', 'fired'), explained('p1', 'e2', 'holdout'));
    await l.recordEvaluation(fired, event('e1', 'crm:1'));
    await l.recordEvaluation(fired, event('e1', 'crm:1'));
    expect(await l.recordContact(delivered('a1'))).toBe(true);
    expect(await l.recordContact(delivered('a1'))).toBe(false);
    // checked again by a node further on and refused there: it was delivered already, not suppressed too
    await l.recordContact(delivered('a2', { allowed: false, reason: 'cap' }));
    await l.recordContact(delivered('a2', { allowed: false, reason: 'cap' }));
    expect((await l.recordResponse(response('r1', 'a1', 'accepted'))).recorded).toBe(true);
    expect((await l.recordResponse(response('r1', 'a1', 'accepted'))).recorded).toBe(false);
    // another answer to the same action counts as a response, but the action is positive once
    expect((await l.recordResponse(response('r2', 'a1', 'clicked'))).recorded).toBe(true);

    expect((await report(l)).today).toMatchObject({
      fires: 1,
      holdout: 1,
      delivered: 1,
      suppressed: { cap: 1 },
      responses: { accepted: 1, clicked: 1 },
      positive: 1,
      responseRate: 1,
    });
  });

  it("counts a held-out customer's conversion for the control group, by the offer id its decision would have had or by policy", async () => {
    const l = ledger();
    await l.recordEvaluation(evaluation(explained('p1', 'e2', 'holdout')), event('e2', 'crm:2'));
    await l.recordEvaluation(evaluation(explained('p1', 'e3', 'holdout')), event('e3', 'crm:3'));
    await l.recordEvaluation(evaluation(explained('p1', 'e4', 'holdout')), event('e4', 'crm:4'));
    await l.recordEvaluation(evaluation(explained('p1', 'e5', 'holdout')), event('e5', 'crm:5'));
    for (const id of ['a1', 'a2']) await l.recordContact(delivered(id));

    // by the deterministic id: what the engine would have named the decision
    const byId = await l.recordResponse({
      ...response('r1', offerIdFor('p1', 'e2'), 'converted'),
      customerRef: 'crm:2',
    });
    expect(byId).toMatchObject({ policyId: 'p1', group: 'holdout', actionId: offerIdFor('p1', 'e2') });
    // by policy: the core system reports the sale with an offer id the hub never made
    const byPolicy = await l.recordResponse({
      ...response('r2', '5d1c0f7e-8a3b-4c2d-9e1f-0a1b2c3d4e5f', 'converted'),
      customerRef: 'crm:3',
      policyId: 'p1',
    });
    expect(byPolicy).toMatchObject({ policyId: 'p1', group: 'holdout', actionId: offerIdFor('p1', 'e3') });
    // a held-out customer got nothing to accept: an answer other than a conversion counts for nothing
    await l.recordResponse({ ...response('r3', offerIdFor('p1', 'e4'), 'clicked'), customerRef: 'crm:4' });
    await l.recordResponse(response('r4', 'a1', 'converted'));

    const { today } = await report(l);
    expect(today.conversion).toEqual({
      treated: { n: 2, converted: 1, rate: 0.5 },
      holdout: { n: 4, converted: 2, rate: 0.5 },
      uplift: 0,
    });
    expect(today.responses).toMatchObject({ clicked: 0, converted: 1 });
  });

  it("counts a lurking card's offers and control group once a day each, and their conversions for the uplift", async () => {
    const l = ledger();
    const shown = (customerRef: string, offerId: string) => ({
      customerRef,
      offers: [{ policyId: 'p1', offerId }],
      heldOut: [],
    });
    // crm:1 opens the page twice the same day: one fire, one delivery
    expect(await l.recordLurking(shown('crm:1', 'lurk-1'))).toEqual({ fired: ['p1'], heldOut: [] });
    expect(await l.recordLurking(shown('crm:1', 'lurk-1'))).toEqual({ fired: [], heldOut: [] });
    await l.recordLurking(shown('crm:2', 'lurk-2'));
    const held = { customerRef: 'crm:3', offers: [], heldOut: [{ policyId: 'p1', actionId: 'lurk-3' }] };
    expect(await l.recordLurking(held)).toEqual({ fired: [], heldOut: ['p1'] });
    expect(await l.recordLurking(held)).toEqual({ fired: [], heldOut: [] });
    await l.recordLurking({
      customerRef: 'crm:4',
      offers: [],
      heldOut: [{ policyId: 'p1', actionId: 'lurk-4' }],
    });

    // crm:1 takes the offer shown; crm:3 of the control group buys the product all the same
    await l.recordResponse({ ...response('r1', 'lurk-1', 'converted'), customerRef: 'crm:1' });
    await l.recordResponse({
      ...response('r2', 'a-sale-the-core-system-saw', 'converted'),
      customerRef: 'crm:3',
      policyId: 'p1',
    });
    const { today } = await report(l);
    expect(today).toMatchObject({ fires: 2, holdout: 2, delivered: 2 });
    expect(today.conversion).toEqual({
      treated: { n: 2, converted: 1, rate: 0.5 },
      holdout: { n: 2, converted: 1, rate: 0.5 },
      uplift: 0,
    });
  });

  it('counts an action with no answer within T as ignored once its day is over, once, across restarts', async () => {
    const first = ledger({ ignoreAfter: '2d' });
    // the card's `within` gives a1 a day; a2 names none, so the default of 2 days applies
    await first.recordContact(delivered('a1', { expiresAt: iso(T0 + DAY) }));
    await first.recordContact(delivered('a2'));
    await first.recordContact(delivered('a3', { expiresAt: iso(T0 + DAY) }));
    await first.recordContact(delivered('a4', { expiresAt: iso(T0 + DAY) }));
    await first.recordResponse(response('r3', 'a3', 'accepted', T0 + HOUR));
    now = T0 + DAY + HOUR;
    // answered after its window: a response, and still ignored
    expect(await first.recordResponse(response('r4', 'a4', 'clicked'))).toMatchObject({ inTime: false });
    const early = await report(first);
    expect([early.today.responses.ignored, early.awaiting]).toEqual([0, 3]);

    now = T0 + 3 * DAY;
    for (const hub of [ledger({ ignoreAfter: '2d' }), ledger({ ignoreAfter: '2d' })]) {
      const later = await report(hub);
      expect(later.last7Days).toMatchObject({
        delivered: 4,
        unanswered: 3,
        responses: { accepted: 1, clicked: 1, ignored: 3 },
        positive: 2,
      });
      expect(later.awaiting).toBe(0);
      // per day for the chart: ignored on the day each window ended
      expect(later.days.map((day) => [day.from, day.responses.ignored])).toEqual([
        ['2025-03-07', 0],
        ['2025-03-08', 0],
        ['2025-03-09', 0],
        ['2025-03-10', 0],
        ['2025-03-11', 2],
        ['2025-03-12', 1],
        ['2025-03-13', 0],
      ]);
    }
  });

  it('keeps delivered and positive counts per policy and segment in memory, written through and loaded at start', async () => {
    const customers: Record<string, Record<string, unknown>> = { 'crm:s1': { segment: 'young' } };
    const first = ledger({ customerOf: async (ref) => customers[ref] });
    await first.recordContact(delivered('a1', { customer: { segment: ' young ' } }));
    await first.recordContact(delivered('a2', { customer: { segment: 'young' } }));
    // no segment on the message: the stored customer's
    await first.recordContact(delivered('s1'));
    await first.recordContact(delivered('a3'));
    await first.recordResponse(response('r1', 'a1', 'clicked'));
    await first.recordResponse(response('r2', 'a3', 'rejected'));
    expect(first.counts('p1', 'young')).toEqual({ delivered: 3, positive: 1 });
    expect(first.counts('p1', '*')).toEqual({ delivered: 1, positive: 0 });
    expect(first.counts('p2', 'young')).toBeUndefined();

    const restarted = ledger();
    await restarted.load();
    expect(restarted.counts('p1', 'young')).toEqual({ delivered: 3, positive: 1 });
    expect(Object.keys((await report(restarted)).segments)).toEqual(['*', 'young']);

    // counts older than the propensity window drop out
    now = T0 + 100 * DAY;
    expect(restarted.counts('p1', 'young')).toEqual({ delivered: 0, positive: 0 });
    await restarted.settled();
  });

  it('reads counts another instance wrote once its copy is older than refreshMs', async () => {
    const mine = ledger({ refreshMs: 60_000 });
    await mine.load();
    await ledger().recordContact(delivered('a1'));
    expect(mine.counts('p1', '*')).toBeUndefined();
    now = T0 + 60_000;
    mine.counts('p1', '*');
    await mine.settled();
    expect(mine.counts('p1', '*')).toEqual({ delivered: 1, positive: 0 });
  });

  it('refreshes the recent days each refreshMs and the whole window each fullRefreshMs', async () => {
    const reads: [string, string][] = [];
    const spied = {
      addCounters: store.addCounters.bind(store),
      readCounters: (prefix: string, from: string, to: string) => {
        if (prefix === 'r\u001f') reads.push([from, to]);
        return store.readCounters(prefix, from, to);
      },
    };
    const mine = ledger({ store: () => spied, refreshMs: 60_000, fullRefreshMs: 3_600_000 });
    await mine.load();
    const other = ledger();
    await other.recordContact(delivered('a1'));
    // another instance delivered 10 days ago (a late write): not in the recent days
    await other.recordContact(delivered('a2', { at: T0 - 10 * DAY }));
    now = T0 + 60_000;
    mine.counts('p1', '*');
    await mine.settled();
    expect(mine.counts('p1', '*')).toEqual({ delivered: 1, positive: 0 });
    now = T0 + 3_600_000;
    mine.counts('p1', '*');
    await mine.settled();
    expect(mine.counts('p1', '*')).toEqual({ delivered: 2, positive: 0 });
    expect(reads).toEqual([
      ['2024-12-11', '2025-03-10'],
      ['2025-03-09', '2025-03-10'],
      ['2024-12-11', '2025-03-10'],
    ]);
  });

  it('reports zeros for a policy it never counted, and nothing without a store', async () => {
    const { today, days } = await report(ledger(), 'p9', 3);
    expect(today).toMatchObject({ fires: 0, delivered: 0, responseRate: null });
    expect(today.conversion.uplift).toBeNull();
    expect(days).toHaveLength(3);
    const none = new ResponseLedger({ store: () => undefined });
    expect(await none.recordContact(delivered('a1'))).toBe(false);
    expect((await none.report({ policyIds: ['p1'] })).get('p1')?.today.delivered).toBe(0);
  });

  it('refuses an unknown outcome or a bad time, naming the field, and a bad ignoreAfter setting', async () => {
    const l = ledger();
    await expect(l.recordResponse(response('r1', 'a1', 'maybe'))).rejects.toMatchObject({
      field: 'outcome',
      message: expect.stringContaining('"maybe" is not one of accepted, rejected'),
    });
    await expect(
      l.recordResponse({ ...response('r1', 'a1', 'accepted'), occurredAt: 'soon' }),
    ).rejects.toThrow(ResponseLedgerError);
    expect(() => l.configure({ ignoreAfter: 'a month' })).toThrow(/ignoreAfter: "a month" is not a duration/);
    // a response for no policy the ledger or the response knows is not counted
    expect(await l.recordResponse(response('r2', 'a1', 'accepted'))).toEqual({
      recorded: false,
      outcome: 'accepted',
    });
  });
});
