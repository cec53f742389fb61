import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Customer } from '../../../mappings/canonical/types';
import { ContactPolicy } from '../../../policies/contact/contact-policy';
import { customerProfile } from '../../../policies/profile';
import { dryRun } from '../../../policies/dry-run';
import { customer360, customerDocument, customerOffers, nextBestOffer } from '../../../records/customer-view';
import { EmbeddedStore } from '../../../records/embedded-store';
import { applyWithGoldenRecord, GoldenIntake } from '../../../records/golden-intake';
import { withdrawalEvent } from '../policies/fixtures';

/** SAP knows Anna's tier and keeps her web marketing consent withdrawn; the call-center CRM her address. */
const sapAnna: Customer = {
  schemaVersion: '1.0',
  customerRef: 'sap:100001',
  kind: 'person',
  person: { givenName: 'Anna', familyName: 'Schmidt' },
  tier: 'platinum',
  identifiers: [
    { system: 'sap', id: '100001' },
    { system: 'tax-id', id: '12345678901' },
  ],
  updatedAt: '2026-11-20T10:00:00Z',
  source: { system: 'sap' },
};
const crmAnna: Customer = {
  schemaVersion: '1.0',
  customerRef: 'crm:4711',
  kind: 'person',
  person: { givenName: 'Anna', familyName: 'Schmidt' },
  addresses: [
    { type: 'home', street: 'Leopoldstraße 12', postalCode: '80802', city: 'München', country: 'DE' },
  ],
  identifiers: [
    { system: 'crm', id: '4711' },
    { system: 'tax-id', id: '12345678901' },
  ],
  updatedAt: '2026-11-21T10:00:00Z',
  source: { system: 'crm' },
};

let directory = '';
let store: EmbeddedStore;

beforeEach(async () => {
  directory = mkdtempSync(join(tmpdir(), 'crm-hub-golden-view-'));
  store = new EmbeddedStore({ directory });
  await store.open();
  const intake = new GoldenIntake(store);
  await applyWithGoldenRecord(store, intake, sapAnna);
  await applyWithGoldenRecord(store, intake, crmAnna);
});

afterEach(async () => {
  await store.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('policies and the next best offer read the golden document', () => {
  it('gives the attributes of every member system under either system’s ref and the golden id', async () => {
    const byCrm = await customerDocument(store, 'crm:4711');
    expect(byCrm).toMatchObject({ tier: 'platinum', addresses: [{ city: 'München' }] });
    // the copy kept per ref has only what the CRM sent
    expect((await store.getCustomer('crm:4711'))?.document.tier).toBeUndefined();
    const goldenId = (await store.getGolden('crm:4711'))!.goldenId;
    expect(await customerDocument(store, 'sap:100001')).toEqual(byCrm);
    expect(await customerDocument(store, goldenId)).toEqual(byCrm);
    expect(await customerDocument(store, `hub:${goldenId}`)).toEqual(byCrm);
  });

  it('falls back to the copy stored for a ref no golden record holds, and to it alone for a store without golden records', async () => {
    await store.putCustomer({
      customerRef: 'web:u-1',
      document: { customerRef: 'web:u-1', kind: 'person', tier: 'gold' },
      updatedAt: '2026-11-22T10:00:00Z',
      sourceSystem: 'web',
    });
    expect(await customerDocument(store, 'web:u-1')).toMatchObject({ tier: 'gold' });
    expect(await customerDocument(store, 'web:nobody')).toBeUndefined();
    const perRefOnly = { getCustomer: (ref: string) => store.getCustomer(ref) };
    expect(await customerDocument(perRefOnly, 'crm:4711')).not.toHaveProperty('tier');
  });

  it('lets a card’s `if` see the SAP tier on an event keyed with the CRM’s ref', async () => {
    const profile = await customerProfile(
      { customer: { ref: 'crm:4711', identifiers: [] } },
      undefined,
      async () => store,
    );
    expect(profile).toMatchObject({ tier: 'platinum', addresses: [{ city: 'München' }] });
  });

  it('dry-runs a card against recorded events with the golden attributes', async () => {
    const withdrawal = withdrawalEvent('5b8f9a4e-1c2d-4e5f-8a9b-0c1d2e3f4a50', 'crm:4711', 12000);
    await applyWithGoldenRecord(store, new GoldenIntake(store), withdrawal);
    const report = await dryRun({
      store,
      card: [
        'policy: platinum-large-withdrawal',
        'title: { de: "Platin", en: "Platinum" }',
        'when: event withdrawal where amount > 10000',
        'if: customer.tier == "platinum"',
        'then: call-task to sales-rep within 1d',
        'priority: 80',
      ].join('\n'),
      from: '2026-11-22T00:00:00Z',
      to: '2026-11-23T00:00:00Z',
    });
    expect(report).toMatchObject({ evaluated: 1, wouldFire: 1 });
  });

  it('offers what a lurking card decides on the golden document, and honours a consent another system holds', async () => {
    const seen: unknown[] = [];
    const lurking = (customer: Record<string, unknown> | undefined) => {
      seen.push(customer?.tier);
      return [];
    };
    const answer = await nextBestOffer(store, 'crm:4711', 'web', { lurking });
    expect(seen).toEqual(['platinum']);
    expect(answer.offers).toEqual([]);

    // SAP records that Anna withdrew web marketing: no offer on the web, asked with the CRM's ref
    const withdrawn: Customer = {
      ...sapAnna,
      consents: [
        {
          channel: 'web',
          purpose: 'marketing',
          status: 'withdrawn',
          at: '2026-11-23T08:00:00Z',
          source: { system: 'sap' },
        },
      ],
      updatedAt: '2026-11-23T08:00:00Z',
    };
    await applyWithGoldenRecord(store, new GoldenIntake(store), withdrawn);
    const refused = await nextBestOffer(store, 'crm:4711', 'web', { lurking });
    expect(refused.explanation).toBe('no offer: the customer withdrew marketing on web');
  });

  it('stops an SMS to the CRM’s ref when SAP recorded later that the customer withdrew SMS marketing', async () => {
    const contact = new ContactPolicy({ quietHours: false });
    const sms = (contactId: string) => ({
      customerRef: 'crm:4711',
      channel: 'sms',
      purpose: 'marketing',
      contactId,
    });
    const consent = (status: 'granted' | 'withdrawn', at: string, system: string) => ({
      channel: 'sms' as const,
      purpose: 'marketing',
      status,
      at,
      source: { system },
    });
    const intake = new GoldenIntake(store);
    const granted = '2026-11-21T12:00:00Z';
    await applyWithGoldenRecord(store, intake, {
      ...crmAnna,
      consents: [consent('granted', granted, 'crm')],
      updatedAt: granted,
    });
    expect(await contact.check(sms('c-1'), { store })).toMatchObject({ allowed: true });

    const withdrawn = '2026-11-23T08:00:00Z';
    await applyWithGoldenRecord(store, intake, {
      ...sapAnna,
      consents: [consent('withdrawn', withdrawn, 'sap')],
      updatedAt: withdrawn,
    });
    // the CRM's own copy still says granted; the golden record has SAP's later withdrawal
    expect((await store.getCustomer('crm:4711'))?.document.consents).toMatchObject([{ status: 'granted' }]);
    expect(await contact.check(sms('c-2'), { store })).toMatchObject({ allowed: false, reason: 'opt-out' });
  });

  it('answers the customer 360 of a golden id with its members’ history and the golden record', async () => {
    const goldenId = (await store.getGolden('sap:100001'))!.goldenId;
    const view = await customer360(store, goldenId);
    expect(view).toMatchObject({
      customerRef: goldenId,
      goldenId,
      xrefs: ['crm:4711', 'sap:100001'],
      customer: { customerRef: `hub:${goldenId}`, sourceSystem: 'hub', document: { tier: 'platinum' } },
      lineage: { tier: { source: { system: 'sap' } } },
    });
    const bySap = await customer360(store, 'sap:0000100001');
    expect(bySap.customer).toMatchObject({ customerRef: 'sap:100001', sourceSystem: 'sap' });
  });

  it('shows an offer decided under one member to the web page asking under another', async () => {
    // the call center's address change made a mortgage offer for crm:4711
    await store.putOffer({
      offerId: 'o-mortgage-1',
      customerId: 'crm:4711',
      channel: 'web',
      action: 'web-offer',
      offer: 'mortgage',
      policyId: 'address-change-mortgage',
      eventId: 'e-address-1',
      priority: 60,
      createdAt: '2026-11-22T09:00:01.000Z',
      status: 'open',
    });
    for (const asked of ['sap:100001', 'sap:0000100001', 'crm:4711']) {
      const answer = await nextBestOffer(store, asked, 'web');
      expect({ asked, offer: answer.offer?.offer, to: answer.offer?.customerId }).toEqual({
        asked,
        offer: 'mortgage',
        to: 'crm:4711',
      });
    }
    // another customer sees nothing of it
    expect((await nextBestOffer(store, 'sap:999', 'web')).offer).toBeUndefined();
  });

  it('lists the open offers of every member, newest first, under any member and the padded number', async () => {
    const offer = (offerId: string, customerId: string, channel: string, createdAt: string) => ({
      offerId,
      customerId,
      channel,
      action: 'web-offer',
      offer: 'mortgage',
      policyId: 'address-change-mortgage',
      eventId: `e-${offerId}`,
      priority: 60,
      createdAt,
      status: 'open' as const,
    });
    await store.putOffer(offer('o-crm-web', 'crm:4711', 'web', '2026-11-22T09:00:00.000Z'));
    await store.putOffer(offer('o-sap-web', 'sap:100001', 'web', '2026-11-23T09:00:00.000Z'));
    await store.putOffer(offer('o-sap-app', 'sap:100001', 'app', '2026-11-24T09:00:00.000Z'));
    for (const asked of ['crm:4711', 'sap:100001', 'sap:0000100001']) {
      const web = await customerOffers(store, asked, 'web');
      expect({ asked, ids: web.map((o) => o.offerId) }).toEqual({ asked, ids: ['o-sap-web', 'o-crm-web'] });
      const all = await customerOffers(store, asked);
      expect({ asked, ids: all.map((o) => o.offerId) }).toEqual({
        asked,
        ids: ['o-sap-app', 'o-sap-web', 'o-crm-web'],
      });
    }
    // a ref no golden record holds has its own offers only
    await store.putOffer(offer('o-other', 'shop:9', 'web', '2026-11-25T09:00:00.000Z'));
    expect((await customerOffers(store, 'shop:9', 'web')).map((o) => o.offerId)).toEqual(['o-other']);
  });

  it('judges a contact asked by golden id as its first member’s, for history, control group and offer ids', async () => {
    const golden = await store.getGolden('crm:4711');
    const seen: string[] = [];
    const lurking = async (_customer: unknown, contact: { customerRef: string }) => {
      seen.push(contact.customerRef);
      return [];
    };
    for (const asked of [golden!.goldenId, `hub:${golden!.goldenId}`, 'crm:4711', 'sap:100001']) {
      await nextBestOffer(store, asked, 'web', { lurking });
    }
    const first = golden!.members.map((m) => `${m.system}:${m.sourceId}`)[0];
    expect(seen).toEqual([first, first, 'crm:4711', 'sap:100001']);
  });

  it('gives the service level of the golden record: the tier SAP holds, seen under the CRM’s number too', async () => {
    await store.recordInteraction({
      customerRef: 'sap:100001',
      eventId: '5d2e8f10-7a3b-4c6d-9e0f-1a2b3c4d5e6f',
      type: 'complaint',
      channel: 'call-center',
      occurredAt: new Date().toISOString(),
    });
    const view = await customer360(store, 'crm:4711');
    expect(view.serviceLevel).toMatchObject({
      level: 'premium',
      tier: 'platinum',
      openComplaints: 1,
      reasons: ['tier platinum: premium', '1 open complaint in 90 days: already premium'],
    });
    expect(view.openProcesses).toEqual([]);
    // the complaint SAP's branch recorded is in the history the call center sees under its number
    expect(view.lastInteractions.map((i) => i.eventId)).toEqual(['5d2e8f10-7a3b-4c6d-9e0f-1a2b3c4d5e6f']);
    expect(view.customer).toMatchObject({ customerRef: 'crm:4711', sourceSystem: 'crm' });
  });

  it('counts an event sent again with its id in capitals once: a UUID is one in either case', async () => {
    const lower = withdrawalEvent('bbbbbbbb-0000-4000-8000-000000000001', 'crm:4711', 20000);
    const intake = new GoldenIntake(store);
    await applyWithGoldenRecord(store, intake, lower);
    await applyWithGoldenRecord(store, intake, { ...lower, eventId: lower.eventId.toUpperCase() });
    const view = await customer360(store, 'crm:4711');
    expect(view.lastInteractions.map((i) => i.eventId)).toEqual(['bbbbbbbb-0000-4000-8000-000000000001']);
  });

  it('answers SAP’s padded number like the number the hub keys: the same record, offers and interactions', async () => {
    await store.recordInteraction({
      customerRef: 'sap:100001',
      eventId: '3f1c2a9e-5b6d-4e7f-8a9b-0c1d2e3f4a5b',
      type: 'withdrawal',
      channel: 'branch',
      occurredAt: '2026-11-22T09:00:00Z',
    });
    const padded = await customer360(store, 'sap:0000100001');
    const plain = await customer360(store, 'sap:100001');
    expect(padded.lastInteractions.map((i) => i.eventId)).toEqual(['3f1c2a9e-5b6d-4e7f-8a9b-0c1d2e3f4a5b']);
    // SAP's own record as it sent it, not the golden document standing in for a record not found
    expect(padded.customer).toEqual(plain.customer);
    expect(padded.customer?.document).toMatchObject({ customerRef: 'sap:100001' });
    // the service level's window starts at the time of each call
    const timeless = ({ serviceLevel, ...rest }: typeof plain) => ({ ...rest, level: serviceLevel.level });
    expect(timeless(padded)).toEqual(timeless(plain));
  });

  it('strips leading zeros for SAP only: another system’s 0004711 is not its 4711', async () => {
    const padded = await customer360(store, 'crm:0004711');
    expect(padded).toMatchObject({ customerRef: 'crm:0004711', offers: [], lastInteractions: [] });
    expect(padded.customer).toBeUndefined();
    expect(padded.goldenId).toBeUndefined();
    expect(await customerDocument(store, 'crm:0004711')).toBeUndefined();
    await store.putOffer({
      offerId: 'o-crm-1',
      customerId: 'crm:4711',
      channel: 'web',
      action: 'web-offer',
      offer: 'mortgage',
      policyId: 'address-change-mortgage',
      eventId: 'e-crm-1',
      priority: 60,
      createdAt: '2026-11-22T09:00:01.000Z',
      status: 'open',
    });
    expect(await customerOffers(store, 'crm:0004711', 'web')).toEqual([]);
    expect((await nextBestOffer(store, 'crm:0004711', 'web')).offer).toBeUndefined();
  });
});
