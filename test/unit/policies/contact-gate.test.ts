import {
  ContactGate,
  ContactRefusedError,
  contactOutcomeOf,
  contactRequestOf,
  passedContact,
} from '../../../policies/contact/contact-gate';
import { ContactPolicy, type ContactVerdict } from '../../../policies/contact/contact-policy';
import type { ContactOutcome } from '../../../policies/response-ledger';

const NOON = Date.parse('2026-01-14T11:00:00Z');

/** A ledger that keeps what it was asked to count, and the settings it was given. */
function fakeLedger() {
  const recorded: ContactOutcome[] = [];
  const settings: { ignoreAfter?: string }[] = [];
  return {
    recorded,
    settings,
    configure(value: { ignoreAfter?: string }) {
      if (value.ignoreAfter === 'soon') throw new Error('ignoreAfter: "soon" is no duration');
      settings.push(value);
    },
    background(_what: string, record: () => Promise<unknown>) {
      void record();
    },
    async recordContact(outcome: ContactOutcome) {
      recorded.push(outcome);
      return true;
    },
  };
}

describe('the contact a message declares', () => {
  it('is none when neither the message nor the sender names a contact', () => {
    expect(contactRequestOf({ payload: { customerRef: 'crm:1' }, messageId: 'm1' })).toBeUndefined();
  });

  it('takes the declared fields first, then the message, then the payload, then what the sender knows', () => {
    const request = contactRequestOf(
      {
        declared: { channel: ' sms ', purpose: 'service' },
        customerRef: 'crm:msg',
        idempotencyKey: 'key-1',
        payload: { customerRef: 'crm:payload', decisionId: 'd-1', policyId: 'p-1', offer: 'loan' },
        messageId: 'm1',
      },
      { customerRef: 'crm:known', offer: 'known-offer' },
    );
    expect(request).toEqual({
      contactId: 'key-1',
      customerRef: 'crm:msg',
      channel: 'sms',
      purpose: 'service',
      policyId: 'p-1',
      offer: 'known-offer',
    });
  });

  it("falls back to the payload's customer and ids, and to the message id", () => {
    expect(
      contactRequestOf({ payload: { customer: { ref: 'crm:7' } }, messageId: 'm2' }, { channel: 'email' }),
    ).toEqual({ contactId: 'm2', customerRef: 'crm:7', channel: 'email' });
    expect(
      contactRequestOf({ declared: {}, payload: { customerId: 'crm:8', eventId: 'e-8' }, messageId: 'm3' }),
    ).toEqual({ contactId: 'e-8', customerRef: 'crm:8' });
  });
});

describe('a verdict', () => {
  const passed: ContactVerdict = {
    allowed: true,
    detail: 'consent given',
    purpose: 'marketing',
    channel: 'sms',
    customerRef: 'crm:1',
    policyId: 'p-1',
    contactId: 'c-1',
    checkedAt: '2026-01-14T11:00:00.000Z',
  };

  it('is declared on the message as it passed, under its contact id', () => {
    expect(passedContact({ channel: 'text', purpose: 'x', offer: 'loan' }, passed)).toEqual({
      channel: 'sms',
      purpose: 'marketing',
      customerRef: 'crm:1',
      policyId: 'p-1',
      offer: 'loan',
      id: 'c-1',
    });
  });

  it("is counted for its policy under the action's decision id, with the answer window", () => {
    expect(
      contactOutcomeOf(passed, { decisionId: 'd-1', expiresAt: '2026-01-20T00:00:00Z' }, { segment: 'vip' }),
    ).toEqual({
      policyId: 'p-1',
      actionId: 'd-1',
      allowed: true,
      at: NOON,
      customerRef: 'crm:1',
      customer: { segment: 'vip' },
      expiresAt: '2026-01-20T00:00:00Z',
    });
    const refused = { ...passed, allowed: false, reason: 'cap' as const };
    expect(contactOutcomeOf(refused, 'not an object', undefined)).toMatchObject({
      actionId: 'c-1',
      allowed: false,
      reason: 'cap',
    });
  });

  it('is not counted when no policy decided the contact', () => {
    expect(
      contactOutcomeOf({ ...passed, policyId: undefined }, { decisionId: 'd-1' }, undefined),
    ).toBeUndefined();
  });

  it('becomes an error a flow can route on', () => {
    const error = new ContactRefusedError('refused', { ...passed, allowed: false, reason: 'quiet-hours' });
    expect(error).toMatchObject({
      kind: 'contact-policy',
      reason: 'quiet-hours',
      name: 'ContactRefusedError',
    });
    expect(new ContactRefusedError('refused', { ...passed, allowed: false }).reason).toBe('consent');
  });
});

describe('ContactGate', () => {
  it('judges a contact and counts a policy action in the ledger', async () => {
    const ledger = fakeLedger();
    const gate = new ContactGate(new ContactPolicy({}, { clock: () => NOON }), ledger);
    const verdict = await gate.judge(
      { contactId: 'c-1', channel: 'escalation', customerRef: 'crm:1', policyId: 'p-1' },
      { action: { decisionId: 'd-1' } },
    );
    expect(verdict).toMatchObject({ allowed: true, channel: 'internal' });
    expect(ledger.recorded).toEqual([
      { policyId: 'p-1', actionId: 'd-1', allowed: true, at: NOON, customerRef: 'crm:1' },
    ]);

    // without a store no consent can be read: refused, and counted as suppressed
    const refused = await gate.judge(
      { contactId: 'c-2', channel: 'sms', customerRef: 'crm:1', policyId: 'p-1' },
      {},
    );
    expect(refused).toMatchObject({ allowed: false, reason: 'consent' });
    expect(ledger.recorded[1]).toMatchObject({ actionId: 'c-2', allowed: false, reason: 'consent' });

    await gate.judge({ contactId: 'c-3', channel: 'escalation' }, {});
    expect(ledger.recorded).toHaveLength(2);
  });

  it('reports each wrong setting and keeps the last good ones', () => {
    const ledger = fakeLedger();
    const policy = new ContactPolicy();
    const gate = new ContactGate(policy, ledger);
    expect(
      gate.configure({ contactPolicy: { quietHours: false }, responses: { ignoreAfter: '3d' } }),
    ).toEqual([]);
    expect(policy.config.quietHours).toBeUndefined();
    expect(ledger.settings).toEqual([{ ignoreAfter: '3d' }]);

    const problems = gate.configure({
      contactPolicy: { quietHours: 'never' },
      responses: { ignoreAfter: 'soon' },
    });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/quietHours/);
    expect(problems[1]).toBe('crmHub.responses.ignoreAfter: "soon" is no duration');
    expect(policy.config.quietHours).toBeUndefined();

    expect(gate.configure(undefined)).toEqual([]);
    expect(ledger.settings).toEqual([{ ignoreAfter: '3d' }, {}]);
  });
});
