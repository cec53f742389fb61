import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileCard } from '../../../policies/card';
import {
  compileContactPolicy,
  ContactPolicy,
  ContactPolicyError,
  type ContactPolicySettings,
  type ContactRequest,
} from '../../../policies/contact/contact-policy';
import { contactChannelOf, judgeConsent, latestConsent } from '../../../policies/contact/consent';
import { inQuietHours, parseQuietHours } from '../../../policies/contact/quiet-hours';
import { isOfferResponse, recordOfferResponse } from '../../../policies/contact/responses';
import { PolicyEngine } from '../../../policies/engine';
import { EmbeddedStore } from '../../../records/embedded-store';
import { DAY } from './fixtures';

const at = (iso: string) => Date.parse(iso);
const consent = (channel: string, purpose: string, status: string, when = '2026-01-01T00:00:00Z') => ({
  channel,
  purpose,
  status,
  at: when,
  source: { system: 'crm' },
});

/** Noon in Berlin on a weekday in winter: outside quiet hours, so only the filter under test decides. */
const NOON = at('2026-01-14T11:00:00Z');

describe('contact policy', () => {
  let directory: string;
  let store: EmbeddedStore;
  let now: number;

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'crm-hub-contact-'));
    store = new EmbeddedStore({ directory });
    await store.open();
    now = NOON;
  });

  afterEach(async () => {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  function policy(settings: ContactPolicySettings = {}): ContactPolicy {
    return new ContactPolicy(settings, { clock: () => now });
  }

  async function customer(ref: string, extra: Record<string, unknown> = {}): Promise<void> {
    await store.putCustomer({
      customerRef: ref,
      document: { customerRef: ref, kind: 'person', ...extra },
      updatedAt: '2026-01-01T00:00:00Z',
      sourceSystem: 'crm',
    });
  }

  const sms = (ref: string, extra: Partial<ContactRequest> = {}): ContactRequest => ({
    customerRef: ref,
    channel: 'sms',
    purpose: 'marketing',
    contactId: `c-${ref}-${extra.policyId ?? ''}-${Math.random()}`,
    ...extra,
  });

  describe('consent and opt-out: hard filters', () => {
    it('stops an SMS marketing action after the customer withdrew SMS marketing, even though a card fired', async () => {
      await customer('crm:1', {
        tier: 'platinum',
        consents: [
          consent('sms', 'marketing', 'granted'),
          consent('sms', 'marketing', 'withdrawn', '2026-01-10T09:00:00Z'),
        ],
      });
      // the card fires: it knows nothing about consents, and no card field could change that
      const engine = new PolicyEngine();
      engine.register(
        compileCard({
          policy: 'platinum-sms',
          title: { de: 'SMS', en: 'SMS' },
          when: 'event withdrawal',
          if: 'customer.tier == "platinum"',
          then: 'sms premium-card to sms',
          priority: 99,
        }),
      );
      const stored = await store.getCustomer('crm:1');
      const { decisions } = engine.evaluate(
        {
          eventId: 'e-1',
          schemaVersion: '1.0',
          type: 'withdrawal',
          occurredAt: new Date(now).toISOString(),
          channel: 'branch',
          source: { system: 'core-banking' },
          customer: { ref: 'crm:1', identifiers: [] },
          data: {},
        },
        { customer: stored?.document, isEnabled: () => true, now: new Date(now) },
      );
      expect(decisions).toHaveLength(1);
      const decision = decisions[0];

      const verdict = await policy().check(
        {
          customerRef: decision.customerRef,
          channel: decision.action,
          policyId: decision.policyId,
          offer: decision.offer,
          contactId: decision.decisionId,
        },
        { store },
      );
      expect(verdict).toMatchObject({
        allowed: false,
        reason: 'opt-out',
        channel: 'sms',
        purpose: 'marketing',
      });
      expect(verdict.detail).toContain('withdrew marketing on sms on 2026-01-10T09:00:00Z');
    });

    it('a carried profile cannot bring back a consent the golden record has withdrawn later', async () => {
      await customer('crm:2', {
        consents: [consent('sms', 'marketing', 'withdrawn', '2026-01-10T00:00:00Z')],
      });
      const verdict = await policy().check(sms('crm:2'), {
        store,
        customer: { consents: [consent('sms', 'marketing', 'granted', '2026-01-05T00:00:00Z')] },
      });
      expect(verdict).toMatchObject({ allowed: false, reason: 'opt-out' });
    });

    it('needs a granted consent for marketing by SMS and e-mail; none recorded is reason "consent"', async () => {
      await customer('crm:3');
      const p = policy();
      expect(await p.check(sms('crm:3'), { store })).toMatchObject({ allowed: false, reason: 'consent' });
      expect(await p.check({ ...sms('crm:3'), channel: 'email' }, { store })).toMatchObject({
        allowed: false,
        reason: 'consent',
      });
      // an unknown customer has no consent either
      expect(await p.check(sms('crm:404'), { store })).toMatchObject({ allowed: false, reason: 'consent' });
    });

    it('sends an SMS to a customer who granted it', async () => {
      await customer('crm:4', { consents: [consent('sms', 'marketing', 'granted')] });
      expect(await policy().check(sms('crm:4'), { store })).toMatchObject({ allowed: true, channel: 'sms' });
    });

    it('channels without an opt-in requirement follow opt-out: a call task passes until the customer objects', async () => {
      await customer('crm:5');
      await customer('crm:6', { consents: [consent('phone', 'marketing', 'denied')] });
      const p = policy();
      const call = (ref: string) => ({ customerRef: ref, channel: 'call-task', contactId: `call-${ref}` });
      expect(await p.check(call('crm:5'), { store })).toMatchObject({ allowed: true, channel: 'phone' });
      expect(await p.check(call('crm:6'), { store })).toMatchObject({ allowed: false, reason: 'opt-out' });
      // a deployment that wants prior consent for calls says so
      const strict = policy({
        requireConsent: { sms: ['marketing'], email: ['marketing'], phone: ['marketing'] },
      });
      expect(await strict.check(call('crm:5'), { store })).toMatchObject({
        allowed: false,
        reason: 'consent',
      });
    });

    it('an opt-out stops service messages too; a service message needs no marketing consent', async () => {
      await customer('crm:7', { consents: [consent('sms', 'service', 'withdrawn')] });
      await customer('crm:8');
      const p = policy();
      expect(await p.check(sms('crm:7', { purpose: 'service' }), { store })).toMatchObject({
        allowed: false,
        reason: 'opt-out',
      });
      expect(await p.check(sms('crm:8', { purpose: 'service' }), { store })).toMatchObject({ allowed: true });
    });

    it('fails closed: no store, no customer reference or a channel no consent can name', async () => {
      const p = policy();
      expect(await p.check(sms('crm:9'), {})).toMatchObject({ allowed: false, reason: 'consent' });
      expect(await p.check({ channel: 'sms', contactId: 'x' }, { store })).toMatchObject({
        allowed: false,
        reason: 'consent',
      });
      expect(await p.check({ ...sms('crm:9'), channel: 'carrier-pigeon' }, { store })).toMatchObject({
        allowed: false,
        reason: 'consent',
      });
      // an escalation goes to a team of the bank, not to the customer
      expect(await p.check({ ...sms('crm:9'), channel: 'escalation' }, {})).toMatchObject({
        allowed: true,
        channel: 'internal',
      });
    });

    it('reads the latest word per channel and purpose; on the same instant the stricter one', () => {
      const list = [
        consent('sms', 'marketing', 'granted', '2026-01-02T00:00:00Z'),
        consent('sms', 'marketing', 'denied', '2026-01-02T00:00:00Z'),
      ];
      expect(latestConsent([list], 'sms', 'marketing')?.status).toBe('denied');
      expect(judgeConsent([list], 'email', 'marketing', false)).toMatchObject({ ok: true });
      expect(contactChannelOf('web-offer')).toBe('web');
      expect(contactChannelOf('sales-rep')).toBe('phone');
      expect(contactChannelOf('fax')).toBeUndefined();
    });
  });

  describe('quiet hours in the customer time zone', () => {
    const granted = {
      consents: [consent('sms', 'marketing', 'granted'), consent('sms', 'service', 'granted')],
    };

    it('holds back an SMS at 22:30 in New York (03:30 in Berlin the next day) until 08:00 local', async () => {
      await customer('crm:ny', { ...granted, timeZone: 'America/New_York' });
      now = at('2026-07-15T02:30:00Z'); // 22:30 EDT on 14 July
      const verdict = await policy().check(sms('crm:ny'), { store });
      expect(verdict).toMatchObject({
        allowed: false,
        reason: 'quiet-hours',
        localTime: '2026-07-14 22:30 America/New_York',
        retryAfter: '2026-07-15T12:00:00.000Z',
      });
    });

    it('judges the customer zone, not the server default: 22:30 in Berlin is 16:30 in New York', async () => {
      await customer('crm:ny2', { ...granted, timezone: 'America/New_York' });
      await customer('crm:be', granted);
      now = at('2026-07-14T20:30:00Z');
      const p = policy();
      expect(await p.check(sms('crm:ny2'), { store })).toMatchObject({ allowed: true });
      expect(await p.check(sms('crm:be'), { store })).toMatchObject({
        allowed: false,
        reason: 'quiet-hours',
        localTime: '2026-07-14 22:30 Europe/Berlin',
      });
    });

    it('follows summer time: the window is wall-clock time on both sides of a change', () => {
      const window = parseQuietHours('21:00-08:00');
      // Berlin, last Sunday of March 2026: 02:00 CET -> 03:00 CEST
      expect(inQuietHours(window, 'Europe/Berlin', at('2026-03-28T19:59:00Z')).quiet).toBe(false); // 20:59 CET
      expect(inQuietHours(window, 'Europe/Berlin', at('2026-03-28T20:00:00Z'))).toEqual({
        quiet: true,
        local: '2026-03-28 21:00 Europe/Berlin',
        endsAt: '2026-03-29T06:00:00.000Z', // 08:00 CEST: the night was an hour shorter
      });
      expect(inQuietHours(window, 'Europe/Berlin', at('2026-03-29T05:59:00Z')).quiet).toBe(true); // 07:59 CEST
      expect(inQuietHours(window, 'Europe/Berlin', at('2026-03-29T06:00:00Z')).quiet).toBe(false); // 08:00 CEST
      // New York, first Sunday of November 2026: 02:00 EDT -> 01:00 EST
      const ny = inQuietHours(window, 'America/New_York', at('2026-11-01T02:30:00Z')); // 22:30 EDT on 31 Oct
      expect(ny).toMatchObject({ quiet: true, endsAt: '2026-11-01T13:00:00.000Z' }); // 08:00 EST
      expect(inQuietHours(window, 'America/New_York', at('2026-11-01T12:59:00Z')).quiet).toBe(true); // 07:59 EST
      // a window within one day
      expect(
        inQuietHours(parseQuietHours('12:00-14:00'), 'Asia/Tokyo', at('2026-01-14T04:00:00Z')).quiet,
      ).toBe(true);
      expect(() => parseQuietHours('9pm-8am')).toThrow('HH:MM-HH:MM');
    });

    it('lets service messages and web offers through at night, and can be switched off', async () => {
      await customer('crm:night', granted);
      now = at('2026-01-14T23:00:00Z'); // midnight in Berlin
      const p = policy();
      expect(await p.check(sms('crm:night', { purpose: 'service' }), { store })).toMatchObject({
        allowed: true,
      });
      expect(await p.check({ ...sms('crm:night'), channel: 'web-offer' }, { store })).toMatchObject({
        allowed: true,
      });
      expect(await p.check(sms('crm:night'), { store })).toMatchObject({ reason: 'quiet-hours' });
      expect(await policy({ quietHours: false }).check(sms('crm:night'), { store })).toMatchObject({
        allowed: true,
      });
    });

    it('uses the configured zone for a customer without one, and ignores a zone Intl does not know', async () => {
      await customer('crm:tz', { ...granted, timeZone: 'Mars/Olympus' });
      now = at('2026-01-14T21:30:00Z'); // 22:30 in Berlin, 06:30 in Tokyo next day
      expect(await policy().check(sms('crm:tz'), { store })).toMatchObject({ reason: 'quiet-hours' });
      expect(await policy({ timeZone: 'Pacific/Honolulu' }).check(sms('crm:tz'), { store })).toMatchObject({
        allowed: true,
      });
    });
  });

  describe('cooldown after a decline', () => {
    const granted = { consents: [consent('sms', 'marketing', 'granted')] };

    it('blocks the same policy and the same offer for T after a decline, and nothing else', async () => {
      await customer('crm:c', granted);
      const p = policy({ cooldown: '14d' });
      await p.recordResponse(store, {
        customerRef: 'crm:c',
        responseId: 'r-1',
        policyId: 'credit-card-sms',
        offer: 'credit-card',
        outcome: 'declined',
        occurredAt: new Date(now - DAY).toISOString(),
      });
      const refused = await p.check(sms('crm:c', { policyId: 'credit-card-sms' }), { store });
      expect(refused).toMatchObject({
        allowed: false,
        reason: 'cooldown',
        retryAfter: new Date(now + 13 * DAY).toISOString(),
      });
      expect(refused.detail).toContain('declined policy credit-card-sms');
      // the same offer from another policy
      expect(
        await p.check(sms('crm:c', { policyId: 'other', offer: 'credit-card' }), { store }),
      ).toMatchObject({
        reason: 'cooldown',
      });
      // another offer, and another customer, pass
      expect(
        await p.check(sms('crm:c', { policyId: 'savings', offer: 'savings-plan' }), { store }),
      ).toMatchObject({
        allowed: true,
      });
      await customer('crm:d', granted);
      expect(await p.check(sms('crm:d', { policyId: 'credit-card-sms' }), { store })).toMatchObject({
        allowed: true,
      });
      // once T has passed
      now += 13 * DAY;
      expect(await p.check(sms('crm:c', { policyId: 'credit-card-sms' }), { store })).toMatchObject({
        allowed: true,
      });
    });

    it('an accepted offer starts no cooldown; a response document closes its stored offer', async () => {
      await customer('crm:e', granted);
      const p = policy();
      await store.putOffer({
        offerId: 'o-1',
        customerId: 'crm:e',
        channel: 'web',
        action: 'web-offer',
        offer: 'mortgage',
        policyId: 'mortgage-web',
        eventId: 'e-1',
        priority: 50,
        createdAt: new Date(now - DAY).toISOString(),
        status: 'open',
      });
      const response = {
        schemaVersion: '1.0' as const,
        responseId: 'r-2',
        offerId: 'o-1',
        customerRef: 'crm:e',
        channel: 'web' as const,
        outcome: 'rejected' as const,
        occurredAt: new Date(now - 60_000).toISOString(),
      };
      expect(isOfferResponse(response)).toBe(true);
      expect(await recordOfferResponse(p, store, response)).toBe(true);
      expect(await recordOfferResponse(p, store, response)).toBe(false);
      expect(await store.listOffers('crm:e')).toEqual([]);
      // the stored offer named policy and offer code
      expect(await p.check(sms('crm:e', { offer: 'mortgage' }), { store })).toMatchObject({
        reason: 'cooldown',
      });
      expect(await p.check(sms('crm:e', { policyId: 'mortgage-web' }), { store })).toMatchObject({
        reason: 'cooldown',
      });

      await p.recordResponse(store, {
        customerRef: 'crm:e',
        responseId: 'r-3',
        policyId: 'liked',
        outcome: 'accepted',
        occurredAt: new Date(now).toISOString(),
      });
      expect(await p.check(sms('crm:e', { policyId: 'liked' }), { store })).toMatchObject({ allowed: true });
      await expect(
        p.recordResponse(store, {
          customerRef: 'crm:e',
          responseId: 'r-4',
          outcome: 'meh',
          occurredAt: '2026-01-01T00:00:00Z',
          policyId: 'x',
        }),
      ).rejects.toThrow(ContactPolicyError);
    });
  });

  describe('contact caps', () => {
    const granted = {
      consents: [consent('sms', 'marketing', 'granted'), consent('email', 'marketing', 'granted')],
    };

    it('caps per customer, per channel and in all; a contact checked twice counts once', async () => {
      await customer('crm:k1', granted);
      await customer('crm:k2', granted);
      const p = policy({
        caps: { 'per-customer': '2 per 7d', 'per-channel': { sms: '1 per day' }, global: '3 per day' },
      });
      expect(await p.check(sms('crm:k1', { contactId: 'a' }), { store })).toMatchObject({ allowed: true });
      // the same contact again (redelivered, or checked by channel-action and then soap-request)
      expect(await p.check(sms('crm:k1', { contactId: 'a' }), { store })).toMatchObject({ allowed: true });
      const perChannel = await p.check(sms('crm:k1', { contactId: 'b' }), { store });
      expect(perChannel).toMatchObject({
        allowed: false,
        reason: 'cap',
        cap: { scope: 'per-channel', limit: '1 per day', count: 1 },
      });
      const mail = (id: string, ref = 'crm:k1') => ({ ...sms(ref), channel: 'email', contactId: id });
      expect(await p.check(mail('c'), { store })).toMatchObject({ allowed: true });
      expect(await p.check(mail('d'), { store })).toMatchObject({
        reason: 'cap',
        cap: { scope: 'per-customer', count: 2 },
      });
      expect(await p.check(sms('crm:k2', { contactId: 'e' }), { store })).toMatchObject({ allowed: true });
      expect(await p.check(mail('f', 'crm:k2'), { store })).toMatchObject({
        reason: 'cap',
        cap: { scope: 'global', limit: '3 per day', count: 3 },
      });
      // service messages are not capped
      expect(await p.check(sms('crm:k2', { contactId: 'g', purpose: 'service' }), { store })).toMatchObject({
        allowed: true,
      });
      // a day later the daily caps have room again; crm:k1's weekly one has not
      now += DAY;
      expect(await p.check(sms('crm:k2', { contactId: 'h' }), { store })).toMatchObject({ allowed: true });
      expect(await p.check(sms('crm:k1', { contactId: 'i' }), { store })).toMatchObject({
        cap: { scope: 'per-customer' },
      });
    });

    it('shares caps through the store: a second hub process cannot pass a full cap', async () => {
      await customer('crm:k3', granted);
      const settings = { caps: { 'per-customer': '1 per 7d' } };
      const a = policy(settings);
      const b = policy(settings);
      expect(await a.check(sms('crm:k3', { contactId: 'x1' }), { store })).toMatchObject({ allowed: true });
      expect(await b.check(sms('crm:k3', { contactId: 'x2' }), { store })).toMatchObject({ reason: 'cap' });
      expect(await b.check(sms('crm:k3', { contactId: 'x1' }), { store })).toMatchObject({ allowed: true });
    });

    it('takes no cap for a contact another filter refused', async () => {
      await customer('crm:k4', granted);
      await customer('crm:k5');
      const p = policy({ caps: { global: '1 per day' } });
      expect(await p.check(sms('crm:k5'), { store })).toMatchObject({ reason: 'consent' });
      expect(await p.check(sms('crm:k4'), { store })).toMatchObject({ allowed: true });
    });
  });

  it('counts every check and the suppressions by reason, today and over the week', async () => {
    await customer('crm:n1', { consents: [consent('sms', 'marketing', 'granted')] });
    await customer('crm:n2', { consents: [consent('sms', 'marketing', 'withdrawn')] });
    const p = policy({ caps: { 'per-customer': '1 per 7d' } });
    await p.check(sms('crm:n1'), { store });
    await p.check(sms('crm:n1'), { store });
    await p.check(sms('crm:n2'), { store });
    await p.check(sms('crm:n3'), { store });
    now = at('2026-01-15T22:00:00Z'); // the next day, 23:00 in Berlin
    await p.check(sms('crm:n1', { policyId: 'p' }), { store });
    const counts = p.counts();
    expect(counts.total).toEqual({
      checked: 5,
      passed: 1,
      suppressed: { cap: 1, 'opt-out': 1, consent: 1, 'quiet-hours': 1 },
    });
    expect(counts.today).toEqual({ checked: 1, passed: 0, suppressed: { 'quiet-hours': 1 } });
    expect(counts.last7Days).toEqual(counts.total);
    expect(counts.since).toBe(new Date(NOON).toISOString());
  });

  it('refuses settings it cannot read, naming the setting', () => {
    expect(() => compileContactPolicy({ timeZone: 'Berlin' })).toThrow('timeZone');
    expect(() => compileContactPolicy({ quietHours: '21-8' })).toThrow('quietHours');
    expect(() => compileContactPolicy({ caps: { global: 'lots' } })).toThrow('caps.global');
    expect(() => compileContactPolicy({ caps: { 'per-channel': { fax: '1 per day' } } })).toThrow('fax');
    expect(() => compileContactPolicy({ cooldown: '1 month' })).toThrow('cooldown');
    expect(compileContactPolicy()).toMatchObject({
      timeZone: 'Europe/Berlin',
      quietHours: { fromMinutes: 21 * 60, toMinutes: 8 * 60 },
      quietChannels: ['sms', 'email', 'app'],
      requireConsent: { sms: ['marketing'], email: ['marketing'] },
      cooldownMs: 30 * DAY,
    });
  });
});
