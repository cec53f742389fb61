import type { InteractionEvent } from '../../../mappings/canonical/types';
import type { PolicyCard } from '../../../policies/card';

/** The two example cards of DESIGN.md, shared by the card and engine tests. */
export const addressChangeCard: PolicyCard = {
  policy: 'address-change-mortgage',
  title: {
    de: 'Adressänderung im Call-Center → Hypothekenangebot im Web',
    en: 'Address change via call center → mortgage offer on the web page',
  },
  when: 'event address-changed via call-center',
  if: '',
  then: 'web-offer mortgage to web within 30d',
  limits: { 'per-customer': '1 per 7d', global: '200 per day' },
  priority: 60,
};

export const platinumCard: PolicyCard = {
  policy: 'platinum-large-withdrawal',
  title: { de: 'Platin-Kunde hebt mehr als 10.000 ab', en: 'Platinum customer withdraws over 10,000' },
  when: 'event withdrawal where amount.value > 10000',
  if: 'customer.tier == "platinum"',
  then: 'call-task to sales-rep within 1d',
  limits: { 'per-customer': '1 per 7d', global: '200 per day' },
  priority: 80,
};

/** A canonical withdrawal event at a branch, as amqp-in delivers it from event.withdrawal.branch. */
export function withdrawalEvent(eventId: string, ref: string, value: number) {
  return {
    eventId,
    schemaVersion: '1.0',
    type: 'withdrawal',
    occurredAt: '2026-11-22T10:00:00.000Z',
    channel: 'branch',
    source: { system: 'core-banking' },
    customer: { ref, identifiers: [{ system: 'crm', id: ref.slice(4) }] },
    amount: { value, currency: 'EUR' },
    data: {},
  };
}

export const DAY = 86_400_000;
/** The clock of the history and policy-state tests starts here; times are offsets from it. */
export const T0 = Date.parse('2025-03-01T12:00:00Z');

/**
 * An event factory for the history tests: `event(type, atMs, extra)` gives a canonical event of
 * crm:4711 at that time with a fresh id; `defaults` sets the channel and source a test works with.
 */
export function eventFactory(defaults: Partial<InteractionEvent>, idPrefix = 'e') {
  let counter = 0;
  return (type: string, atMs: number, extra: Partial<InteractionEvent> = {}): InteractionEvent => {
    counter++;
    return {
      eventId: `${idPrefix}-${counter}`,
      schemaVersion: '1.0',
      type,
      occurredAt: new Date(atMs).toISOString(),
      channel: 'branch',
      source: { system: 'core-banking' },
      customer: { ref: 'crm:4711', identifiers: [] },
      data: {},
      ...defaults,
      ...extra,
    };
  };
}

/** "No B within T": a complaint nobody answered within two days goes to the regional manager. */
export const unansweredComplaintCard: PolicyCard = {
  policy: 'unanswered-complaint',
  title: { de: 'Beschwerde unbeantwortet', en: 'Complaint unanswered' },
  when: 'event complaint',
  history: 'no complaint-answered within 2d',
  then: 'escalation to regional-manager',
  priority: 95,
};
