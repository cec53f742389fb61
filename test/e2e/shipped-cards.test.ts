import { randomUUID } from 'node:crypto';
import amqplib, { type Channel, type ChannelModel, type ConfirmChannel } from 'amqplib';
import * as soap from 'soap';
import { inHoldout } from '../../policies/holdout';
import {
  createVhost,
  deleteVhost,
  eventually,
  hubClock,
  startHub,
  type HubClock,
  type RunningHub,
} from './hub-process';

/**
 * The shipped cards of flows/hub.json end to end: the real hub process with the shipped flows, on
 * RabbitMQ and the embedded store. Customers reach the golden record as a legacy CRM publishes them
 * (canonical JSON on crm.events, routing key customer.<system>); events come in through
 * POST /api/v1/events or SOAP ReportInteraction; what goes out is read where it lands: the simulated
 * gateways of the Demo tab, the exchange crm.actions, the next best offer. One hub serves every card;
 * its wall clock can be moved forward (hubClock), which only the escalation ladder, last, does.
 *
 * "Address change via the call center → mortgage offer on the web page" is covered end to end by
 * hub-slice.test.ts (SOAP ReportAddressChange from node-soap and python3-zeep, on both stores).
 */

const DAY = 86_400_000;
const MINUTE = 60_000;

interface GatewayRecord {
  messageId: string;
  idempotencyKey?: string;
  policy?: string;
  decision?: string;
  cardVersion?: string;
  body: Record<string, unknown>;
}

interface ActionMessage {
  routingKey: string;
  messageId?: string;
  body: Record<string, unknown>;
}

interface Evaluation {
  outcome: string;
  reason: string;
  dueAt?: string;
  event: { eventId: string };
  decisions: { decisionId: string }[];
}

interface Offer {
  policyId: string;
  offer: string;
  action: string;
  source: string;
}

describe('shipped cards on the real hub (RabbitMQ, embedded store)', () => {
  const vhost = `crm-hub-cards-${randomUUID().slice(0, 8)}`;
  let hub: RunningHub;
  let clock: HubClock;
  let connection: ChannelModel;
  let publisher: ConfirmChannel;
  let actionsChannel: Channel;
  const actions: ActionMessage[] = [];

  beforeAll(async () => {
    const amqpUrl = createVhost(vhost);
    clock = hubClock();
    hub = await startHub({ AMQP_URL: amqpUrl, DATABASE_URL: '', ...clock.env });
    connection = await amqplib.connect(amqpUrl);
    publisher = await connection.createConfirmChannel();
    // everything the channel action lets through, as a CRM connector bound to crm.actions sees it
    actionsChannel = await connection.createChannel();
    await actionsChannel.assertExchange('crm.actions', 'topic', { durable: true });
    const { queue } = await actionsChannel.assertQueue('', { exclusive: true });
    await actionsChannel.bindQueue(queue, 'crm.actions', 'action.#');
    await actionsChannel.consume(
      queue,
      (m) => {
        if (!m) return;
        actions.push({
          routingKey: m.fields.routingKey,
          messageId: m.properties.messageId as string | undefined,
          body: JSON.parse(m.content.toString()) as Record<string, unknown>,
        });
      },
      { noAck: true },
    );
  }, 150000);

  afterAll(async () => {
    await connection?.close().catch(() => undefined);
    await hub?.stop();
    deleteVhost(vhost);
  });

  const newRef = () => `crm:e2e-${randomUUID().slice(0, 12)}`;
  /** delay-apology-sms keeps 5% of customers as its control group: a customer in it, or one who is not */
  const delayRef = (heldOut: boolean) => {
    for (;;) {
      const ref = newRef();
      if (inHoldout('delay-apology-sms', ref, 5) === heldOut) return ref;
    }
  };

  /** Publishes a canonical customer as a legacy CRM would, and waits until the golden record has it. */
  async function customer(ref: string, fields: Record<string, unknown>): Promise<void> {
    const id = ref.split(':')[1];
    const doc = {
      schemaVersion: '1.0',
      customerRef: ref,
      kind: 'person',
      person: { givenName: 'Test', familyName: id },
      identifiers: [{ system: 'crm', id }],
      updatedAt: new Date().toISOString(),
      source: { system: 'crm' },
      ...fields,
    };
    publisher.publish('crm.events', 'customer.crm', Buffer.from(JSON.stringify(doc)), {
      contentType: 'application/json',
      persistent: true,
      mandatory: true,
      messageId: randomUUID(),
    });
    await publisher.waitForConfirms();
    await eventually(async () => {
      const res = await fetch(`${hub.url}/api/v1/customers/${encodeURIComponent(ref)}`);
      if (res.status !== 200) return undefined;
      const view = (await res.json()) as { customer?: { document?: Record<string, unknown> } };
      return view.customer?.document?.tier === fields.tier ? true : undefined;
    }, `customer ${ref} in the golden record`);
  }

  function event(
    ref: string,
    type: string,
    channel: string,
    occurredAt: Date,
    data: Record<string, unknown> = {},
  ): Record<string, unknown> & { eventId: string } {
    return {
      eventId: randomUUID(),
      schemaVersion: '1.0',
      type,
      occurredAt: occurredAt.toISOString(),
      channel,
      source: { system: 'e2e' },
      customer: { ref, identifiers: [{ system: 'crm', id: ref.split(':')[1] }] },
      data,
    };
  }

  async function postEvent(body: Record<string, unknown>): Promise<void> {
    const res = await fetch(`${hub.url}/api/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect({ status: res.status, body: (await res.json()) as unknown }).toEqual({
      status: 202,
      body: { eventIds: [body.eventId] },
    });
  }

  /** The engine's explanation of one card for one event, once it evaluated the event. */
  async function evaluation(policyId: string, ref: string, eventId: string): Promise<Evaluation> {
    return eventually(async () => {
      const res = await fetch(
        `${hub.url}/api/v1/policies/${policyId}/explain?customer=${encodeURIComponent(ref)}`,
      );
      if (res.status !== 200) return undefined;
      const { evaluations } = (await res.json()) as { evaluations: Evaluation[] };
      return evaluations.find((e) => e.event.eventId === eventId);
    }, `the evaluation of ${policyId} for ${eventId}`);
  }

  async function gateway(name: string): Promise<GatewayRecord[]> {
    const res = await fetch(`${hub.url}/demo/gateways/${name}/messages`);
    expect(res.status).toBe(200);
    return ((await res.json()) as { messages: GatewayRecord[] }).messages;
  }

  async function sentTo(name: string, match: (record: GatewayRecord) => boolean): Promise<GatewayRecord> {
    return eventually(async () => (await gateway(name)).find(match), `a message at the ${name} gateway`);
  }

  async function nextBestOffer(
    ref: string,
    channel: string,
  ): Promise<{ offers: Offer[]; explanation: string }> {
    const res = await fetch(
      `${hub.url}/api/v1/customers/${encodeURIComponent(ref)}/next-best-offer?channel=${channel}&limit=3`,
    );
    expect(res.status).toBe(200);
    return (await res.json()) as { offers: Offer[]; explanation: string };
  }

  describe('platinum-large-withdrawal: a platinum customer withdraws more than 10,000', () => {
    it('gives a sales rep a call task, published on crm.actions for the CRM', async () => {
      const ref = newRef();
      await customer(ref, { tier: 'platinum' });
      const client = await soap.createClientAsync(`${hub.url}/soap/hub?wsdl`);
      const [reported] = (await client.ReportInteractionAsync({
        type: 'withdrawal',
        channel: 'branch',
        customerRef: ref,
        amount: '12000.00',
        currency: 'EUR',
      })) as [{ accepted: boolean; eventId: string }];
      expect(reported.accepted).toBe(true);

      const action = await eventually(
        async () => actions.find((a) => a.body.customerRef === ref),
        'the call task on crm.actions',
      );
      expect(action).toMatchObject({
        routingKey: 'action.phone',
        body: {
          policyId: 'platinum-large-withdrawal',
          action: 'call-task',
          to: 'sales-rep',
          customerRef: ref,
          eventId: reported.eventId,
          cardVersion: { number: 1, hash: expect.stringMatching(/^[0-9a-f]{16}$/) },
        },
      });
      expect(action.messageId).toBe(action.body.decisionId);
      const fired = await evaluation('platinum-large-withdrawal', ref, reported.eventId);
      expect(fired.decisions.map((d) => d.decisionId)).toEqual([action.body.decisionId]);
    });

    it('does not call a gold customer', async () => {
      const ref = newRef();
      await customer(ref, { tier: 'gold' });
      const withdrawal = {
        ...event(ref, 'withdrawal', 'branch', new Date()),
        amount: { value: 15000, currency: 'EUR' },
      };
      await postEvent(withdrawal);
      const judged = await evaluation('platinum-large-withdrawal', ref, withdrawal.eventId);
      expect(judged.outcome).toBe('not-matched');
      expect(judged.reason).toContain('customer.tier == "platinum" (actual: "gold")');
    });
  });

  describe('delay-apology-sms: a flight or delivery delay for a top-tier customer', () => {
    it('sends an apology SMS through the SMS gateway, traced to the card, keyed by the decision', async () => {
      const ref = delayRef(false);
      await customer(ref, { tier: 'platinum' });
      const delayed = event(ref, 'flight-delayed', 'app', new Date(), {
        flightNumber: 'LH 2024',
        delayMinutes: 180,
      });
      await postEvent(delayed);

      const sms = await sentTo('sms', (r) => r.body.recipientRef === ref);
      const decisionId = sms.body.decisionId as string;
      expect(decisionId).toMatch(/^[0-9a-f]{32}$/);
      expect(sms).toMatchObject({
        idempotencyKey: decisionId,
        policy: 'delay-apology-sms',
        decision: decisionId,
        cardVersion: expect.stringMatching(/^1@[0-9a-f]{16}$/),
        body: {
          recipientRef: ref,
          template: 'delay-apology',
          language: 'de',
          text: expect.stringContaining('Ihr Flug hat 180 Minuten Verspätung'),
          policyId: 'delay-apology-sms',
          decisionId,
          eventId: delayed.eventId,
        },
      });
      // the decision the gateway names is the one the hub explains
      const res = await fetch(`${hub.url}/api/v1/decisions/${decisionId}`);
      expect(res.status).toBe(200);
      expect(JSON.stringify(await res.json())).toContain('delay-apology-sms');
      expect(
        actions.find((a) => a.body.decisionId === decisionId && a.routingKey === 'action.sms'),
      ).toBeDefined();
    });

    it('a delivery delay of the same length does the same', async () => {
      const ref = delayRef(false);
      await customer(ref, { tier: 'gold' });
      await postEvent(event(ref, 'delivery-delayed', 'erp', new Date(), { delayMinutes: 120 }));
      const sms = await sentTo('sms', (r) => r.body.recipientRef === ref);
      expect(sms.body.text).toContain('Ihre Lieferung hat 120 Minuten Verspätung');
    });

    it('sends nothing to a customer of the 5% control group, and counts them as would have fired', async () => {
      const ref = delayRef(true);
      await customer(ref, { tier: 'platinum' });
      const delayed = event(ref, 'flight-delayed', 'app', new Date(), { delayMinutes: 200 });
      await postEvent(delayed);
      expect(await evaluation('delay-apology-sms', ref, delayed.eventId)).toMatchObject({
        outcome: 'holdout',
        reason: expect.stringContaining('holdout (5% control group): would have fired'),
        decisions: [],
      });
      expect((await gateway('sms')).map((r) => r.body.recipientRef)).not.toContain(ref);
      const report = await eventually(async () => {
        const res = await fetch(`${hub.url}/api/v1/policies/delay-apology-sms`);
        const body = (await res.json()) as { report?: { today: { holdout: number } } };
        return (body.report?.today.holdout ?? 0) > 0 ? body.report : undefined;
      }, 'the control-group customer in the report');
      expect(report.today.holdout).toBeGreaterThanOrEqual(1);
    });

    it('sends nothing for a short delay or a silver customer, and says why', async () => {
      const platinum = newRef();
      const silver = newRef();
      await customer(platinum, { tier: 'platinum' });
      await customer(silver, { tier: 'silver' });
      const short = event(platinum, 'flight-delayed', 'app', new Date(), { delayMinutes: 60 });
      const notTop = event(silver, 'flight-delayed', 'app', new Date(), { delayMinutes: 240 });
      await postEvent(short);
      await postEvent(notTop);
      expect(await evaluation('delay-apology-sms', platinum, short.eventId)).toMatchObject({
        outcome: 'not-matched',
        reason: expect.stringContaining('data.delayMinutes >= 120 (actual: 60)'),
      });
      expect(await evaluation('delay-apology-sms', silver, notTop.eventId)).toMatchObject({
        outcome: 'not-matched',
        reason: expect.stringContaining('(actual: "silver")'),
      });
      const refs = (await gateway('sms')).map((r) => r.body.recipientRef);
      expect(refs).not.toContain(platinum);
      expect(refs).not.toContain(silver);
    });
  });

  describe('mortgage-young-families: a lurking campaign, woken at the next contact', () => {
    it('offers the mortgage to a matching customer on the web, in the app and at the call center', async () => {
      const ref = newRef();
      await customer(ref, { tier: 'silver', segment: 'young-families' });
      for (const channel of ['web', 'app', 'call-center']) {
        const answer = await nextBestOffer(ref, channel);
        expect(answer.offers).toEqual([
          expect.objectContaining({
            policyId: 'mortgage-young-families',
            offer: 'mortgage',
            action: 'web-offer',
            source: 'lurking',
          }),
        ]);
        expect(answer.explanation).toContain('lurking policy mortgage-young-families');
      }
      // a branch visit is not among the card's contacts
      expect((await nextBestOffer(ref, 'branch')).offers).toEqual([]);
    });

    it('stays dormant for customers outside the profile', async () => {
      const basic = newRef();
      const otherSegment = newRef();
      await customer(basic, { tier: 'basic', segment: 'young-families' });
      await customer(otherSegment, { tier: 'platinum', segment: 'professionals' });
      for (const ref of [basic, otherSegment]) {
        const answer = await nextBestOffer(ref, 'web');
        expect(answer.offers).toEqual([]);
        expect(answer.explanation).toContain('no lurking card matched this contact');
      }
    });
  });

  /**
   * A level's time runs from when it got the case, by the engine's clock, so days have to pass in the
   * hub: it runs with test/e2e/clock-offset.js preloaded (hubClock), and this test moves its wall clock
   * past the branch manager's deadline. The shipped sweep (every 30 s, real time) then hands the case
   * on. Last in the file, because the hub's clock stays ahead afterwards.
   */
  describe('second-complaint-escalation: the escalation ladder', () => {
    const complain = async (ref: string, occurredAt: Date) => {
      const complaint = event(ref, 'complaint', 'call-center', occurredAt, { topic: 'card-fees' });
      await postEvent(complaint);
      // one at a time: the engine sees each complaint with the ones before it in the history
      return { complaint, judged: await evaluation('second-complaint-escalation', ref, complaint.eventId) };
    };
    const mails = (ref: string, to: string) =>
      gateway('mail').then((all) => all.filter((m) => m.body.customerRef === ref && m.body.to === to));
    const firstMail = (ref: string, to: string) =>
      eventually(async () => (await mails(ref, to))[0], `the e-mail to the ${to} about ${ref}`);

    it('gives a second complaint to the branch manager at once, and to the regional manager when nobody answered within 2 days', async () => {
      const now = Date.now();
      const answered = newRef();
      const unanswered = newRef();
      for (const ref of [answered, unanswered]) await customer(ref, { tier: 'gold' });

      // the answered customer first: the store hands out due timers oldest first
      const opening: Record<string, { eventId: string; decisionId: string; deadline: number }> = {};
      for (const ref of [answered, unanswered]) {
        const first = await complain(ref, new Date(now - 12 * DAY));
        expect(first.judged.outcome).toBe('not-matched');
        const { complaint, judged } = await complain(ref, new Date());
        expect(judged.outcome).toBe('fired');
        const mail = await firstMail(ref, 'branch-manager');
        expect(mail).toMatchObject({
          policy: 'second-complaint-escalation',
          decision: judged.decisions[0].decisionId,
          idempotencyKey: judged.decisions[0].decisionId,
          cardVersion: expect.stringMatching(/^1@[0-9a-f]{16}$/),
          body: { customerRef: ref, policyId: 'second-complaint-escalation', eventId: complaint.eventId },
        });
        const deadline = Date.parse(mail.body.answerBy as string);
        expect(deadline).toBeGreaterThanOrEqual(now + 2 * DAY);
        opening[ref] = { eventId: complaint.eventId, decisionId: judged.decisions[0].decisionId, deadline };
      }

      await postEvent(event(answered, 'complaint-answered', 'call-center', new Date()));
      // A later event of the same customer, from the same queue: once the engine has explained it, the
      // answer before it has been handled too.
      const later = {
        ...event(answered, 'withdrawal', 'branch', new Date()),
        amount: { value: 100, currency: 'EUR' },
      };
      await postEvent(later);
      await evaluation('platinum-large-withdrawal', answered, later.eventId);
      expect(await mails(unanswered, 'regional-manager')).toEqual([]);

      // a minute past the branch manager's deadline, by the hub's clock
      clock.setOffset(opening[unanswered].deadline - Date.now() + MINUTE);
      const next = await eventually(
        async () => (await mails(unanswered, 'regional-manager'))[0],
        "the regional manager's e-mail (the sweep runs every 30 s)",
        450,
      );
      expect(next).toMatchObject({
        policy: 'second-complaint-escalation',
        idempotencyKey: next.body.decisionId,
        body: {
          customerRef: unanswered,
          policyId: 'second-complaint-escalation',
          eventId: opening[unanswered].eventId,
          to: 'regional-manager',
        },
      });
      expect(next.body.decisionId).not.toBe(opening[unanswered].decisionId);
      // the regional manager got the case after the branch manager's 2 days, with 2 days of its own
      expect(Date.parse(next.body.answerBy as string)).toBeGreaterThanOrEqual(
        opening[unanswered].deadline + 2 * DAY,
      );
      // the answered case was due first and closed: nothing went to the next level
      expect(await mails(answered, 'regional-manager')).toEqual([]);
      expect(
        actions.filter((a) => a.body.customerRef === unanswered).map((a) => [a.routingKey, a.body.to]),
      ).toEqual([
        ['action.internal', 'branch-manager'],
        ['action.internal', 'regional-manager'],
      ]);
    }, 120000);
  });
});
