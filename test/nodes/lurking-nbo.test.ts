import request from 'supertest';
import { compileCard } from '../../policies/card';
import { inHoldout } from '../../policies/holdout';
import { hubRuntime } from '../../nodes/shared/hub-runtime';
import type { HubStoreNode } from '../../nodes/hub-store/hub-store';
import type { StoredOffer } from '../../records/store';
import { all, captured, helper, load, nextInput, tempDir, useHelper } from './harness';

useHelper();

const customer = (ref: string, segment: string) => ({
  schemaVersion: '1.0',
  customerRef: ref,
  kind: 'person',
  person: { givenName: 'Anna', familyName: 'Schmidt' },
  tier: 'gold',
  segment,
  consents: [],
  identifiers: [{ system: 'crm', id: ref.slice(4) }],
  updatedAt: '2026-11-22T10:00:00Z',
  source: { system: 'crm' },
});

const flow = () => [
  { id: 'store', type: 'hub-store', databaseUrl: '', directory: tempDir('lurking') },
  { id: 'golden', type: 'golden-record', store: 'store', wires: [['stored']] },
  { id: 'stored', type: 'helper' },
  { id: 'eng', type: 'policy-engine', store: 'store', wires: [['evaluated']] },
  { id: 'evaluated', type: 'helper' },
  {
    id: 'lurk',
    type: 'policy',
    engine: 'eng',
    policyId: 'lurking-young-family-mortgage',
    titleEn: 'Mortgage for young families',
    titleDe: 'Baufinanzierung für junge Familien',
    when: 'contact via web, app',
    condition: 'customer.segment == "young-families"',
    history: '',
    then: 'web-offer mortgage to web within 30d',
    perCustomer: '',
    global: '',
    priority: '60',
    mode: 'lurking',
    active: true,
    wires: [['decided']],
  },
  { id: 'decided', type: 'helper' },
  {
    id: 'nbo',
    type: 'next-best-offer',
    store: 'store',
    answer: 'next-best-offer',
    channel: 'web',
    wires: [['answer']],
  },
  { id: 'answer', type: 'helper' },
];

async function put(doc: unknown) {
  const stored = nextInput('stored');
  helper.getNode('golden').receive({ payload: doc });
  await stored;
}

const nbo = (ref: string) =>
  request(captured.red!.httpNode).get(`/api/v1/customers/${ref}/next-best-offer?channel=web&point=home`);

describe('lurking cards wake at the next best offer', () => {
  it('offers the mortgage of a deployed lurking card to a matching customer, with reasons', async () => {
    await load(all, flow());
    await put(customer('crm:4711', 'young-families'));
    await put(customer('crm:4712', 'students'));

    const res = await nbo('crm:4711');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ customerRef: 'crm:4711', channel: 'web', point: 'home' });
    expect(res.body.offers).toHaveLength(1);
    expect(res.body.offers[0]).toMatchObject({
      policyId: 'lurking-young-family-mortgage',
      offer: 'mortgage',
      action: 'web-offer',
      priority: 60,
      source: 'lurking',
      title: { en: 'Mortgage for young families' },
      reasons: [
        { condition: 'via web, app', held: true, actual: 'web' },
        { condition: 'customer.segment == "young-families"', held: true, actual: 'young-families' },
      ],
    });
    expect(res.body.offer).toMatchObject({ offer: 'mortgage', offerId: res.body.offers[0].offerId });
    expect(res.body.explanation).toContain('mortgage from lurking policy lurking-young-family-mortgage');
    // asked again the same day: the same offer
    expect((await nbo('crm:4711')).body.offers[0].offerId).toBe(res.body.offers[0].offerId);

    // a customer outside the profile: the card stays dormant
    const other = await nbo('crm:4712');
    expect(other.body.offers).toEqual([]);
    // a card whose conditions did not hold is not named, nor the customer's values (channels read this)
    expect(other.body.explanation).toBe(
      'no open offer on web for crm:4712 and no lurking card matched this contact',
    );

    // the node answers the same ranked list
    const answer = nextInput<{ payload: { offers: { policyId: string; offerId: string }[] } }>('answer');
    helper
      .getNode('nbo')
      .receive({ payload: { customerRef: 'crm:4711', channel: 'web', point: 'home', limit: 3 } });
    const { payload } = await answer;
    expect(payload.offers.map((o) => [o.policyId, o.offerId])).toEqual([
      ['lurking-young-family-mortgage', res.body.offers[0].offerId],
    ]);

    // switched off (console, editor button): it no longer wakes, without a redeploy
    await hubRuntime.policies.setEnabled('lurking-young-family-mortgage', false);
    const off = await nbo('crm:4711');
    expect(off.body.offers).toEqual([]);
    expect(off.body.explanation).toContain(
      'no lurking card woke (lurking-young-family-mortgage: switched off)',
    );
    await hubRuntime.policies.setEnabled('lurking-young-family-mortgage', true);
  });

  it("counts a lurking card's offers shown to channels, once a day per customer, and not the console's look", async () => {
    await load(all, flow());
    await put(customer('crm:4711', 'young-families'));
    await put(customer('crm:4713', 'young-families'));
    await put(customer('crm:4714', 'young-families'));
    const policyId = 'lurking-young-family-mortgage';
    // the registry's counts are the process's, kept across the tests of this file
    const firedToday = () => hubRuntime.policyRegistry.get(policyId)?.counts.today.fired ?? 0;
    const before = firedToday();
    // the page opened twice by one customer and once by another: two customers were offered it
    for (const ref of ['crm:4711', 'crm:4711', 'crm:4713'])
      expect((await nbo(ref)).body.offers).toHaveLength(1);
    await hubRuntime.responseLedger.settled();
    expect(firedToday()).toBe(before + 2);
    const reports = await hubRuntime.responseLedger.report({ policyIds: [policyId] });
    expect(reports.get(policyId)?.today).toMatchObject({ fires: 2, delivered: 2 });
    // the console's customer view shows a customer no channel has asked for yet the offer, uncounted
    const console = await request(captured.red!.httpAdmin).get('/console/api/customers/crm:4714');
    expect(console.status).toBe(200);
    expect(console.body.nextBestOffer?.offers?.[0]).toMatchObject({ policyId });
    await hubRuntime.responseLedger.settled();
    expect(firedToday()).toBe(before + 2);
  });

  it('closes the offer for a customer who converted on it: the next contact gets no offer, and says why', async () => {
    await load(all, flow());
    await put(customer('crm:4711', 'young-families'));
    const first = await nbo('crm:4711');
    expect(first.body.offers).toHaveLength(1);
    const converted = await request(captured.red!.httpNode).post('/api/v1/responses').send({
      schemaVersion: '1.0',
      responseId: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c70',
      offerId: first.body.offers[0].offerId,
      policyId: 'lurking-young-family-mortgage',
      customerRef: 'crm:4711',
      channel: 'web',
      outcome: 'converted',
      occurredAt: new Date().toISOString(),
    });
    expect(converted.status).toBe(202);
    const after = await nbo('crm:4711');
    expect(after.body.offers).toEqual([]);
    expect(after.body.explanation).toBe(
      'no open offer on web for crm:4711 and no lurking card woke (lurking-young-family-mortgage: closed, the customer took the offer)',
    );
  });

  it("ranks scored lurking cards by the propensity learned in the customer's segment", async () => {
    const scored = (id: string, offer: string, propensity: string) => ({
      ...flow().find((node) => node.id === 'lurk')!,
      id,
      policyId: `lurking-${offer}`,
      then: `web-offer ${offer} to web within 30d`,
      scorePropensity: propensity,
      scoreValue: '1000',
      version: 4,
    });
    await load(all, [
      ...flow().filter((node) => node.id !== 'lurk'),
      scored('lurk-savings', 'savings-plan', '0.05'),
      scored('lurk-mortgage', 'mortgage', '0.04'),
    ]);
    await put(customer('crm:4711', 'young-families'));
    const ranked = async () =>
      (
        (
          await request(captured.red!.httpNode).get(
            '/api/v1/customers/crm:4711/next-best-offer?channel=web&point=home&limit=3',
          )
        ).body.offers as { policyId: string; score: number }[]
      ).map((o) => [o.policyId, Math.round(o.score)]);
    // the priors: 0.05 × 1000 against 0.04 × 1000
    expect(await ranked()).toEqual([
      ['lurking-savings-plan', 50],
      ['lurking-mortgage', 40],
    ]);

    // young families took the mortgage 8 times out of 10 deliveries
    const ledger = hubRuntime.responseLedger;
    await ledger.settled();
    const family = { segment: 'young-families' };
    for (let i = 0; i < 10; i += 1) {
      const actionId = `${'m'.repeat(30)}${String(i).padStart(2, '0')}`;
      await ledger.recordContact({
        policyId: 'lurking-mortgage',
        actionId,
        customerRef: `crm:50${i}`,
        customer: family,
        allowed: true,
      });
      if (i < 8) {
        await ledger.recordResponse({
          responseId: `r-${i}`,
          offerId: actionId,
          customerRef: `crm:50${i}`,
          outcome: 'accepted',
          occurredAt: new Date().toISOString(),
        });
      }
    }
    // the first page view was a delivery of both offers, unanswered: (8 + 0.04 × 20) / (11 + 20) × 1000
    // = 284 against (0 + 0.05 × 20) / (1 + 20) × 1000 = 48; the evidence puts the mortgage first
    expect(await ranked()).toEqual([
      ['lurking-mortgage', 284],
      ['lurking-savings-plan', 48],
    ]);
  });

  it('wakes a lurking card attached after the first contacts, and forgets a detached one', async () => {
    await load(all, flow());
    await put(customer('crm:4711', 'young-families'));
    const offered = async () =>
      (
        (
          await request(captured.red!.httpNode).get(
            '/api/v1/customers/crm:4711/next-best-offer?channel=web&point=home&limit=3',
          )
        ).body.offers as { policyId: string }[]
      ).map((o) => o.policyId);
    expect(await offered()).toEqual(['lurking-young-family-mortgage']);

    // the directory keeps each engine's lurking cards until its set of cards changes
    const savings = compileCard({
      policy: 'lurking-savings-plan',
      title: { de: 'Sparplan', en: 'Savings plan' },
      mode: 'lurking',
      when: 'contact via web',
      then: 'web-offer savings-plan to web',
      priority: 70,
    });
    const owner = { nodeId: 'added-by-test', emit: () => undefined, enabledChanged: () => undefined };
    hubRuntime.policies.attach('eng', savings, owner, true);
    expect(await offered()).toEqual(['lurking-savings-plan', 'lurking-young-family-mortgage']);
    hubRuntime.policies.detach('eng', 'lurking-savings-plan', 'added-by-test');
    expect(await offered()).toEqual(['lurking-young-family-mortgage']);
  });
});

describe('what a channel was shown, and what a switched-off policy left stored', () => {
  const stored = (ref: string): StoredOffer => ({
    offerId: `stored-mortgage-${ref}`,
    customerId: ref,
    channel: 'web',
    action: 'web-offer',
    offer: 'mortgage',
    policyId: 'address-change-mortgage',
    eventId: `e-address-${ref}`,
    // above the lurking card's 60: a page asking for one offer shows the stored one alone
    priority: 80,
    createdAt: new Date(Date.now() - 60_000).toISOString(),
    expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    status: 'open',
  });
  const trigger = {
    ...flow().find((node) => node.id === 'lurk')!,
    id: 'address',
    policyId: 'address-change-mortgage',
    titleEn: 'Address change → mortgage',
    titleDe: 'Adressänderung → Baufinanzierung',
    when: 'event address-changed via call-center',
    condition: '',
    priority: '80',
    mode: 'trigger',
  };
  const lurkingId = 'lurking-young-family-mortgage';
  const firedToday = () => hubRuntime.policyRegistry.get(lurkingId)?.counts.today.fired ?? 0;
  const storeOf = () => (helper.getNode('store') as unknown as HubStoreNode).ready;

  it('counts a lurking offer as fired and delivered only when the answer holds it (REST and node alike)', async () => {
    await load(all, [...flow(), trigger]);
    await put(customer('crm:7001', 'young-families'));
    await (await storeOf()).putOffer(stored('crm:7001'));
    const before = firedToday();
    const deliveredBefore =
      (await hubRuntime.responseLedger.report({ policyIds: [lurkingId] })).get(lurkingId)?.today.delivered ??
      0;

    // one offer asked for: the stored one is shown, the woken lurking card is not
    const one = await nbo('crm:7001');
    expect(one.body.offers.map((o: { policyId: string }) => o.policyId)).toEqual(['address-change-mortgage']);
    const answer = nextInput<{ payload: { offers: { policyId: string }[] } }>('answer');
    helper.getNode('nbo').receive({ payload: { customerRef: 'crm:7001', channel: 'web' } });
    expect((await answer).payload.offers.map((o) => o.policyId)).toEqual(['address-change-mortgage']);
    await hubRuntime.responseLedger.settled();
    expect(firedToday()).toBe(before);
    const report = async () =>
      (await hubRuntime.responseLedger.report({ policyIds: [lurkingId] })).get(lurkingId)?.today;
    expect((await report())?.delivered ?? 0).toBe(deliveredBefore);

    // three asked for: now the page shows it, and it counts
    const three = await request(captured.red!.httpNode).get(
      '/api/v1/customers/crm:7001/next-best-offer?channel=web&limit=3',
    );
    expect(three.body.offers.map((o: { policyId: string }) => o.policyId)).toEqual([
      'address-change-mortgage',
      lurkingId,
    ]);
    await hubRuntime.responseLedger.settled();
    expect(firedToday()).toBe(before + 1);
    expect((await report())?.delivered).toBe(deliveredBefore + 1);
  });

  it('still counts a control-group customer once a day, shown an offer of another policy or none', async () => {
    const lurk = { ...flow().find((node) => node.id === 'lurk')!, holdout: '50%', version: 4 };
    await load(all, [...flow().filter((node) => node.id !== 'lurk'), lurk, trigger]);
    const held = ['crm:7002', 'crm:7003', 'crm:7004', 'crm:7005', 'crm:7006'].find((ref) =>
      inHoldout(lurkingId, ref, 50),
    )!;
    await put(customer(held, 'young-families'));
    await (await storeOf()).putOffer(stored(held));
    const holdoutToday = () => hubRuntime.policyRegistry.get(lurkingId)?.counts.today.suppressed.holdout ?? 0;
    const before = { fired: firedToday(), holdout: holdoutToday() };
    for (const limit of [1, 3]) {
      const res = await request(captured.red!.httpNode).get(
        `/api/v1/customers/${held}/next-best-offer?channel=web&limit=${limit}`,
      );
      expect(res.body.offers.map((o: { policyId: string }) => o.policyId)).toEqual([
        'address-change-mortgage',
      ]);
    }
    await hubRuntime.responseLedger.settled();
    expect({ fired: firedToday(), holdout: holdoutToday() }).toEqual({
      fired: before.fired,
      holdout: before.holdout + 1,
    });
  });

  it("holds back a switched-off policy's stored offers, says why, keeps them, and shows them again when on", async () => {
    await load(all, [...flow(), trigger]);
    await put(customer('crm:7001', 'students'));
    const store = await storeOf();
    await store.putOffer(stored('crm:7001'));
    const api = () => request(captured.red!.httpNode);
    const switchTo = async (enabled: boolean) =>
      expect(
        (await api().put('/api/v1/policies/address-change-mortgage/state').send({ enabled })).status,
      ).toBe(200);

    await switchTo(false);
    const off = await nbo('crm:7001');
    expect(off.body.offers).toEqual([]);
    expect(off.body.offer).toBeUndefined();
    expect(off.body.explanation).toContain('1 held back: address-change-mortgage switched off');
    // the node (and so SOAP GetNextBestOffer) answers the same
    const answer = nextInput<{ payload: { offers: unknown[]; explanation: string } }>('answer');
    helper.getNode('nbo').receive({ payload: { customerRef: 'crm:7001', channel: 'web' } });
    expect((await answer).payload.offers).toEqual([]);
    // still stored; the customer 360 and the console list it, held back
    expect((await store.listOffers('crm:7001')).map((o) => o.offerId)).toEqual(['stored-mortgage-crm:7001']);
    const view = await api().get('/api/v1/customers/crm:7001');
    expect(view.body.offers).toEqual([
      expect.objectContaining({ offerId: 'stored-mortgage-crm:7001', heldBack: 'switched-off' }),
    ]);
    const console = await request(captured.red!.httpAdmin).get('/console/api/customers/crm:7001');
    expect(console.body.offers[0]).toMatchObject({ heldBack: 'switched-off' });
    expect(console.body.nextBestOffer.offers).toEqual([]);

    await switchTo(true);
    const on = await nbo('crm:7001');
    expect(on.body.offers.map((o: { offerId: string }) => o.offerId)).toEqual(['stored-mortgage-crm:7001']);
    expect((await api().get('/api/v1/customers/crm:7001')).body.offers[0].heldBack).toBeUndefined();
  });
});
