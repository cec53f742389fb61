import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileValidator } from '../../../mappings/validate';
import { compileCard, PolicyCardError, type PolicyCard } from '../../../policies/card';
import { CardFileError, parseCardYaml } from '../../../policies/card-files';
import type { Decision } from '../../../policies/engine';
import {
  escalationDecisionId,
  escalationProcessId,
  type EscalationCase,
  type EscalationDecision,
} from '../../../policies/escalation';
import { PolicyState, type SweepOptions } from '../../../policies/policy-state';
import { EmbeddedStore } from '../../../records/embedded-store';
import { DAY, T0, eventFactory } from './fixtures';

const iso = (ms: number) => new Date(ms).toISOString();
const event = eventFactory({ channel: 'call-center', source: { system: 'crm' } }, 'esc');

/** The shipped card: a second complaint within 30 days climbs a ladder until the complaint is answered. */
const LADDER_YAML = `policy: second-complaint-escalation
title: { de: "Zweite Beschwerde in 30 Tagen", en: "Second complaint within 30 days" }
when: event complaint
history: count complaint within 30d >= 2
then: escalation to branch-manager within 2d
escalation:
  until: complaint-answered
  steps:
    - regional-manager within 3d
    - head-of-service
limits: { per-customer: 1 per 30d }
priority: 90
`;
const ladder = parseCardYaml(LADDER_YAML).card;

function compileError(card: Partial<PolicyCard>): PolicyCardError {
  try {
    compileCard({ ...ladder, ...card } as PolicyCard);
  } catch (error) {
    if (error instanceof PolicyCardError) return error;
    throw error;
  }
  throw new Error('the card compiled');
}

function yamlError(text: string): string {
  try {
    parseCardYaml(text, 'ladder.yaml');
  } catch (error) {
    if (error instanceof CardFileError) return error.message;
    throw error;
  }
  throw new Error('the card compiled');
}

describe('escalation cards', () => {
  it('compile the ladder: level 0 from then, one level per step, and the answer that stops it', () => {
    const policy = compileCard(ladder);
    expect(policy.escalation).toEqual({
      until: ['complaint-answered'],
      levels: [
        { to: 'branch-manager', within: '2d', withinMs: 2 * DAY },
        { to: 'regional-manager', within: '3d', withinMs: 3 * DAY },
        { to: 'head-of-service' },
      ],
      canonical: { until: ['complaint-answered'], steps: ['regional-manager within 3d', 'head-of-service'] },
    });
    // a card without the field has no ladder, and its escalation fires once as before
    expect(compileCard({ ...ladder, escalation: undefined }).escalation).toBeUndefined();
  });

  it('hash the one-line and the YAML form of a ladder alike, and a changed timer as another card', () => {
    const hash = (escalation: PolicyCard['escalation']) =>
      compileCard({ ...ladder, escalation }).version.hash;
    const yaml = hash(ladder.escalation);
    expect(hash('until complaint-answered; regional-manager within 3d; head-of-service')).toBe(yaml);
    expect(
      hash({ until: ['complaint-answered'], steps: 'to regional-manager within 3d; head-of-service' }),
    ).toBe(yaml);
    expect(
      hash({ until: 'complaint-answered', steps: ['regional-manager within 4d', 'head-of-service'] }),
    ).not.toBe(yaml);
    expect(
      hash({ until: 'complaint-closed', steps: ['regional-manager within 3d', 'head-of-service'] }),
    ).not.toBe(yaml);
    expect(compileCard({ ...ladder, escalation: undefined }).version.hash).not.toBe(yaml);
  });

  it('name the line and the field of a mistake in the ladder', () => {
    expect(
      yamlError(LADDER_YAML.replace('regional-manager within 3d', 'regional-manager within 3 months')),
    ).toBe(
      'ladder.yaml: line 9, field escalation.steps[1]: within: "3 months" is not a duration like 30m, 12h, 1d, 7d, 2w or day',
    );
    expect(yamlError(LADDER_YAML.replace('    - head-of-service', '    - head of service'))).toMatch(
      /^ladder\.yaml: line 10, field escalation\.steps\[2\]: expected "<recipient> within <duration>"/,
    );
    expect(yamlError(LADDER_YAML.replace('  until: complaint-answered\n', ''))).toBe(
      'ladder.yaml: line 6, field escalation.until: needs the event type that answers the case and stops the ladder, e.g. until: complaint-answered',
    );
    expect(yamlError(LADDER_YAML.replace('  until:', '  answered-by:'))).toBe(
      'ladder.yaml: line 7, field escalation.answered-by: unknown key (allowed: until, steps)',
    );
    expect(yamlError(LADDER_YAML.replace('branch-manager within 2d', 'branch-manager'))).toBe(
      'ladder.yaml: line 5, field then: the escalation to branch-manager needs "within <duration>": how long branch-manager has to answer before the case goes to regional-manager',
    );
  });

  it('refuse a ladder the card cannot start, time or stop', () => {
    expect(compileError({ then: 'call-task to sales-rep within 1d' })).toMatchObject({
      field: 'escalation',
      problem:
        'the card\'s then has no "escalation to <recipient> within <duration>" for the ladder to start from',
    });
    expect(
      compileError({ escalation: 'until complaint-answered; regional-manager; head-of-service' }),
    ).toMatchObject({
      field: 'escalation',
      problem:
        '"regional-manager" needs "within <duration>": how long it has to answer before the case goes to head-of-service',
    });
    expect(
      compileError({
        escalation: { until: 'complaint-answered', steps: ['regional-manager', 'head-of-service'] },
      }),
    ).toMatchObject({ field: 'escalation.steps[1]' });
    expect(compileError({ escalation: { until: 'complaint', steps: ['regional-manager'] } })).toMatchObject({
      field: 'escalation.until',
      problem:
        '"complaint" is the event the card fires on; the answer that stops the ladder must be another type',
    });
    expect(compileError({ escalation: { until: 'complaint-answered', steps: [] } })).toMatchObject({
      field: 'escalation.steps',
    });
    expect(compileError({ escalation: ['regional-manager'] as unknown as string })).toMatchObject({
      field: 'escalation',
    });
    expect(compileError({ mode: 'lurking', when: 'contact via web', history: undefined })).toMatchObject({
      field: 'escalation',
      problem: 'a lurking card answers contacts with offers; only a trigger card escalates',
    });
    expect(
      compileError({ then: 'escalation to branch-manager within 2d; escalation to area-manager within 1d' }),
    ).toMatchObject({
      field: 'escalation',
      problem: "the card's then has 2 escalation actions; a ladder starts from exactly one",
    });
  });
});

describe('an escalation ladder on the embedded store', () => {
  let directory: string;
  let now: number;
  const open: EmbeddedStore[] = [];
  const allOn = { isEnabled: () => true };

  /** A hub process: a fresh store object, engine and history over the same directory. */
  async function start(instanceId = 'hub-a', card: PolicyCard = ladder): Promise<PolicyState> {
    const store = new EmbeddedStore({ directory });
    await store.open();
    open.push(store);
    const state = new PolicyState({ store, clock: () => now, instanceId, leaseMs: 60_000 });
    state.engine.register(compileCard(card));
    return state;
  }

  async function restart(): Promise<void> {
    for (const store of open.splice(0)) await store.close();
  }

  /** Sweeps at `at` and returns what went out, as "<recipient> <decision id>". */
  async function sweepAt(
    state: PolicyState,
    at: number,
    options: Partial<SweepOptions> = {},
  ): Promise<Decision[]> {
    now = at;
    const out: Decision[] = [];
    const result = await state.sweep({
      ...allOn,
      ...options,
      onSettled: async (evaluation, pending) => {
        await options.onSettled?.(evaluation, pending);
        out.push(...evaluation.decisions);
      },
    });
    expect(result.failed).toEqual([]);
    return out;
  }

  /** Two complaints a day apart: the second escalates to the branch manager at T0 + 1d. */
  async function secondComplaint(state: PolicyState, ref = 'crm:4711') {
    now = T0;
    const customer = { ref, identifiers: [] };
    await state.evaluate(event('complaint', now, { customer }), allOn);
    now = T0 + DAY;
    const complaint = event('complaint', now, { customer });
    const result = await state.evaluate(complaint, allOn);
    return { complaint, result };
  }

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'crm-hub-escalation-'));
    now = T0;
  });

  afterEach(async () => {
    await restart();
    rmSync(directory, { recursive: true, force: true });
  });

  it('hands the case up level by level, each when its own time to answer has run out', async () => {
    const state = await start();
    const { complaint, result } = await secondComplaint(state);
    const processId = escalationProcessId('second-complaint-escalation', complaint.eventId);
    expect(result.decisions).toMatchObject([
      {
        action: 'escalation',
        channel: 'branch-manager',
        expiresAt: iso(T0 + 3 * DAY),
        escalation: { processId, level: 0, levels: 3, until: ['complaint-answered'] },
      },
    ]);
    const [opened] = await open[0].listProcesses('crm:4711', { status: 'open' });
    expect(compileValidator('process-state')(opened.process)).toEqual({ ok: true });
    expect(opened.process).toMatchObject({
      processId,
      kind: 'escalation',
      startedOn: 'call-center',
      step: 'branch-manager',
      expiresAt: iso(T0 + 3 * DAY),
    });

    // the branch manager has two days
    expect(await sweepAt(state, T0 + 3 * DAY - 1)).toEqual([]);
    const second = await sweepAt(state, T0 + 3 * DAY);
    expect(second).toEqual([
      {
        decisionId: escalationDecisionId('second-complaint-escalation', complaint.eventId, 1),
        policyId: 'second-complaint-escalation',
        cardVersion: compileCard(ladder).version,
        priority: 90,
        action: 'escalation',
        channel: 'regional-manager',
        decidedAt: iso(T0 + 3 * DAY),
        expiresAt: iso(T0 + 6 * DAY),
        customerRef: 'crm:4711',
        eventId: complaint.eventId,
        title: ladder.title,
        escalation: { processId, level: 1, levels: 3, until: ['complaint-answered'] },
      } satisfies EscalationDecision,
    ]);
    // the regional manager has three
    expect(await sweepAt(state, T0 + 6 * DAY - 1)).toEqual([]);
    const third = await sweepAt(state, T0 + 6 * DAY);
    expect(third.map((d) => [d.channel, d.expiresAt])).toEqual([['head-of-service', undefined]]);
    // the top of the ladder has no timer: nothing more goes out, and the case stays open there
    expect(await sweepAt(state, T0 + 60 * DAY)).toEqual([]);
    const top = await open[0].getProcess(processId);
    expect(top?.process).toMatchObject({ status: 'open', step: 'head-of-service' });
    expect((top?.process.data as unknown as EscalationCase).fired.map((f) => [f.to, f.decidedAt])).toEqual([
      ['branch-manager', iso(T0 + DAY)],
      ['regional-manager', iso(T0 + 3 * DAY)],
      ['head-of-service', iso(T0 + 6 * DAY)],
    ]);
  });

  it("stops when the customer's answer comes, and leaves another customer's case open", async () => {
    const state = await start();
    const { complaint } = await secondComplaint(state, 'crm:4711');
    await secondComplaint(state, 'crm:42');
    // both due at once: the store hands them out by wait id
    expect((await sweepAt(state, T0 + 3 * DAY)).map((d) => `${d.customerRef} ${d.channel}`).sort()).toEqual([
      'crm:42 regional-manager',
      'crm:4711 regional-manager',
    ]);

    now = T0 + 4 * DAY;
    const answer = event('complaint-answered', now, { customer: { ref: 'crm:4711', identifiers: [] } });
    await state.evaluate(answer, allOn);
    const [closed] = await open[0].listProcesses('crm:4711');
    expect(closed.process).toMatchObject({ status: 'completed', updatedAt: iso(T0 + 4 * DAY) });
    expect(closed.process.expiresAt).toBeUndefined();
    expect((closed.process.data as unknown as EscalationCase).answeredBy).toEqual({
      eventId: answer.eventId,
      type: 'complaint-answered',
      occurredAt: iso(T0 + 4 * DAY),
    });

    now = T0 + 6 * DAY;
    const result = await state.sweep(allOn);
    expect(result.settled.flatMap((e) => e.decisions).map((d) => [d.customerRef, d.channel])).toEqual([
      ['crm:42', 'head-of-service'],
    ]);
    expect(
      result.settled.flatMap((e) => e.explanations).find((e) => e.eventId === complaint.eventId),
    ).toMatchObject({
      outcome: 'not-matched',
      reason: `not escalated: answered by complaint-answered at ${iso(T0 + 4 * DAY)}`,
    });
    expect(await sweepAt(state, T0 + 60 * DAY)).toEqual([]);
  });

  it('fires each level once across a restart, also when its hand-over failed before', async () => {
    const before = await start();
    const { complaint } = await secondComplaint(before);
    // a redelivered complaint finds its case: no second case, no second timer
    await before.evaluate(complaint, allOn);
    expect(await open[0].listProcesses('crm:4711')).toHaveLength(1);
    await restart();

    const after = await start();
    const first = await sweepAt(after, T0 + 3 * DAY);
    expect(first.map((d) => d.channel)).toEqual(['regional-manager']);
    expect(await sweepAt(after, T0 + 3 * DAY + 1)).toEqual([]);
    await restart();

    // the next level is handed on, but the bus is down: the step is stored, the timer stays claimed
    const broken = await start('hub-b');
    now = T0 + 6 * DAY;
    const failed = await broken.sweep({
      ...allOn,
      onSettled: async () => {
        throw new Error('broker down');
      },
    });
    expect(failed.failed).toHaveLength(1);
    await restart();

    // after the lease another instance hands on the same decision (same id, same times), once
    const third = await start('hub-c');
    expect(await sweepAt(third, T0 + 6 * DAY + 59_999)).toEqual([]);
    const retried = await sweepAt(third, T0 + 6 * DAY + 60_000);
    expect(retried).toMatchObject([
      {
        decisionId: escalationDecisionId('second-complaint-escalation', complaint.eventId, 2),
        channel: 'head-of-service',
        decidedAt: iso(T0 + 6 * DAY),
      },
    ]);
    expect(await sweepAt(third, T0 + 60 * DAY)).toEqual([]);
    await restart();
    const fourth = await start('hub-d');
    expect(await sweepAt(fourth, T0 + 90 * DAY)).toEqual([]);
  });

  it('fires each level once with two hub instances sweeping one store side by side', async () => {
    const a = await start('hub-a');
    const b = await start('hub-b');
    const customers = ['crm:1', 'crm:2', 'crm:3', 'crm:4'];
    for (const [i, ref] of customers.entries()) await secondComplaint(i % 2 ? a : b, ref);

    const levels: string[] = [];
    for (const at of [T0 + 3 * DAY, T0 + 6 * DAY, T0 + 9 * DAY]) {
      now = at;
      const results = await Promise.all([a, b, a, b].map((state) => state.sweep(allOn)));
      expect(results.flatMap((r) => r.failed)).toEqual([]);
      levels.push(
        ...results.flatMap((r) =>
          r.settled.flatMap((e) => e.decisions.map((d) => `${d.customerRef} ${d.channel}`)),
        ),
      );
    }
    expect(levels.sort()).toEqual(
      customers.flatMap((ref) => [`${ref} head-of-service`, `${ref} regional-manager`]).sort(),
    );

    // an answer taken in by one instance stops the case the other sweeps
    await restart();
    directory = mkdtempSync(join(tmpdir(), 'crm-hub-escalation-'));
    const c = await start('hub-c');
    const d = await start('hub-d');
    await secondComplaint(c, 'crm:5');
    now = T0 + 2 * DAY;
    await d.evaluate(
      event('complaint-answered', now, { customer: { ref: 'crm:5', identifiers: [] } }),
      allOn,
    );
    expect([...(await sweepAt(c, T0 + 3 * DAY)), ...(await sweepAt(d, T0 + 3 * DAY))]).toEqual([]);
  });

  it('does not close a case with an answer from before the complaint, nor with another event', async () => {
    const state = await start();
    now = T0 - DAY;
    await state.evaluate(event('complaint-answered', now, { eventId: 'early' }), allOn);
    await secondComplaint(state);
    now = T0 + 2 * DAY;
    // an answer that reaches the hub late but happened before the case opened does not answer it
    await state.evaluate(event('complaint-answered', T0 + DAY - 1), allOn);
    await state.evaluate(event('web-visit', now), allOn);
    expect((await open[0].listProcesses('crm:4711', { status: 'open' })).map((p) => p.process.step)).toEqual([
      'branch-manager',
    ]);
    expect((await sweepAt(state, T0 + 3 * DAY)).map((d) => d.channel)).toEqual(['regional-manager']);
  });

  it('stops a case when its card is switched off, and says so', async () => {
    const state = await start();
    const { complaint } = await secondComplaint(state);
    now = T0 + 3 * DAY;
    const result = await state.sweep({ isEnabled: () => false });
    expect(result.settled.flatMap((e) => e.decisions)).toEqual([]);
    expect(result.settled[0].explanations).toMatchObject([
      {
        policyId: 'second-complaint-escalation',
        eventId: complaint.eventId,
        outcome: 'switched-off',
        reason: 'not escalated: the card was switched off; the case stayed with branch-manager',
      },
    ]);
    const [stopped] = await open[0].listProcesses('crm:4711');
    expect(stopped.process.status).toBe('abandoned');
    // switched on again, the case does not climb on by itself days later
    expect(await sweepAt(state, T0 + 30 * DAY)).toEqual([]);
  });
});
