/**
 * Times ahead of the hub's clock: an event dated 2031 is refused at every door (REST, mapping, the
 * golden-record stage off the bus), a legacy record dated 2031 is taken as of its arrival, flagged in
 * the golden record's dataQuality, and loses to a later true update.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import request from 'supertest';
import { createEventsApi, type EventPublisher } from '../../../app/api/events-api';
import {
  eventProblems,
  futureProblem,
  InvalidEventError,
  maxFutureMs,
} from '../../../mappings/canonical/event-check';
import type { Customer, InteractionEvent } from '../../../mappings/canonical/types';
import { compileMapping, loadSystemSpec } from '../../../mappings/engine';
import { EmbeddedStore } from '../../../records/embedded-store';
import { applyWithGoldenRecord, GoldenIntake } from '../../../records/golden-intake';
import { serviceLevelOf } from '../../../records/service-level';

const FUTURE = '2031-01-01T00:00:00.000Z';
const soon = () => new Date(Date.now() + 60_000).toISOString();

const addressChanged = (
  occurredAt: string,
  eventId = '5b8f9a4e-1c2d-4e5f-8a9b-0c1d2e3f4a51',
): InteractionEvent =>
  ({
    eventId,
    schemaVersion: '1.0',
    type: 'address-changed',
    occurredAt,
    channel: 'call-center',
    source: { system: 'crm' },
    customer: { ref: 'crm:9001', identifiers: [{ system: 'crm', id: '9001' }] },
    data: { address: { street: 'Zukunftsweg 1', postalCode: '10115', city: 'Berlin', country: 'DE' } },
  }) as InteractionEvent;

const person = (ref: string, updatedAt: string, street: string): Customer => {
  const [system, id] = ref.split(':');
  return {
    schemaVersion: '1.0',
    customerRef: ref,
    kind: 'person',
    person: { givenName: 'Greta', familyName: 'Zeitler' },
    addresses: [
      { type: 'postal', street, houseNumber: '1', postalCode: '10115', city: 'Berlin', country: 'DE' },
    ],
    identifiers: [{ system, id }],
    updatedAt,
    source: { system },
  };
};

describe('events dated in the future', () => {
  it('are a problem beyond the allowed skew (300 s unless CRM_HUB_MAX_FUTURE_SECONDS), naming occurredAt', () => {
    expect(maxFutureMs({})).toBe(300_000);
    expect(maxFutureMs({ CRM_HUB_MAX_FUTURE_SECONDS: '30' })).toBe(30_000);
    expect(eventProblems(addressChanged(soon()))).toEqual([]);
    const [problem] = eventProblems(addressChanged(FUTURE));
    expect(problem).toMatchObject({ field: 'occurredAt', rule: 'not-future' });
    expect(problem.message).toContain(FUTURE);
    const now = Date.parse('2026-12-01T12:00:00Z');
    expect(futureProblem(addressChanged('2026-12-01T12:05:00Z'), now, 300_000)).toBeUndefined();
    expect(futureProblem(addressChanged('2026-12-01T12:05:01Z'), now, 300_000)?.field).toBe('occurredAt');
  });

  it('are refused by POST /api/v1/events with 400 naming the field, and nothing is published', async () => {
    const published: InteractionEvent[] = [];
    const publisher: EventPublisher = { publish: async (event) => void published.push(event) };
    const server = express();
    server.use('/api/v1', createEventsApi({ events: () => publisher }));
    const res = await request(server).post('/api/v1/events').send(addressChanged(FUTURE));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid-event', field: 'occurredAt', index: 0 });
    expect(res.body.message).toContain('occurredAt lies in the future');
    expect(published).toEqual([]);
    const ok = await request(server).post('/api/v1/events').send(addressChanged(soon()));
    expect(ok.status).toBe(202);
  });

  it('fail the mapping of SOAP ReportInteraction (answered with a fault), naming occurredAt', () => {
    const spec = loadSystemSpec('hub');
    const kind = Object.keys(spec.inbound).find((k) => spec.inbound[k].produces === 'interaction-event');
    expect(kind).toBeDefined();
    const mapping = compileMapping(spec, kind as string);
    const withdrawal = {
      type: 'withdrawal',
      channel: 'branch',
      customerRef: 'crm:9001',
      amount: '150000',
      currency: 'EUR',
    };
    expect(mapping.map({ ...withdrawal, occurredAt: '2026-11-30T10:00:00Z' }).ok).toBe(true);
    const result = mapping.map({ ...withdrawal, occurredAt: FUTURE });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatchObject({ field: 'occurredAt', rule: 'not-future' });
  });
});

describe('the golden record and the future', () => {
  let directory = '';
  let store: EmbeddedStore;
  let intake: GoldenIntake;

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'crm-hub-future-'));
    store = new EmbeddedStore({ directory });
    await store.open();
    intake = new GoldenIntake(store);
  });

  afterEach(async () => {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('refuses an event off the bus dated 2031 (invalid-event, dead-lettered) and keeps no trace of it', async () => {
    await applyWithGoldenRecord(store, intake, person('crm:9001', '2026-11-01T10:00:00Z', 'Altweg'));
    const refused = applyWithGoldenRecord(store, intake, addressChanged(FUTURE));
    await expect(refused).rejects.toBeInstanceOf(InvalidEventError);
    await expect(refused).rejects.toMatchObject({ field: 'occurredAt', kind: 'invalid-event' });
    const goldenId = (await store.resolveGoldenId('crm:9001')) as string;
    const golden = (await store.getGolden(goldenId))?.record;
    expect(golden?.document.addresses?.[0].street).toBe('Altweg');
  });

  it('takes a record dated 2031 as of its arrival, flags it, and lets a later true update win', async () => {
    const before = Date.now();
    await applyWithGoldenRecord(store, intake, person('crm:9001', '2026-11-01T10:00:00Z', 'Altweg'));
    await applyWithGoldenRecord(store, intake, person('crm:9001', FUTURE, 'Zukunftsweg'));
    const goldenId = (await store.resolveGoldenId('crm:9001')) as string;
    let golden = (await store.getGolden(goldenId))?.record;
    expect(golden?.document.addresses?.[0].street).toBe('Zukunftsweg');
    expect(golden?.document.dataQuality?.futureDated).toEqual(['crm:9001']);
    const stored = await store.getCustomer('crm:9001');
    const taken = stored?.document as unknown as Customer;
    expect(Date.parse(taken.updatedAt)).toBeGreaterThanOrEqual(before);
    expect(Date.parse(taken.updatedAt)).toBeLessThanOrEqual(Date.now());
    expect(taken.source.statedUpdatedAt).toBe(FUTURE);

    // the system's next, true update (dated a minute from now, within the skew) replaces it
    await applyWithGoldenRecord(store, intake, person('crm:9001', soon(), 'Neuweg'));
    golden = (await store.getGolden(goldenId))?.record;
    expect(golden?.document.addresses?.[0].street).toBe('Neuweg');
    expect(golden?.document.dataQuality?.futureDated).toBeUndefined();
    expect(((await store.getCustomer('crm:9001'))?.document as unknown as Customer).person?.familyName).toBe(
      'Zeitler',
    );
  });
});

describe('service level and the future', () => {
  it('counts no amount dated after now (a 150,000 EUR withdrawal of 2031 makes no one premium)', () => {
    const now = new Date('2026-12-01T12:00:00Z');
    const answer = serviceLevelOf(
      undefined,
      [
        {
          customerRef: 'crm:9001',
          eventId: 'e-1',
          type: 'withdrawal',
          channel: 'branch',
          occurredAt: FUTURE,
          summary: { amount: { value: 150_000, currency: 'EUR' } },
        },
        {
          customerRef: 'crm:9001',
          eventId: 'e-2',
          type: 'withdrawal',
          channel: 'branch',
          occurredAt: '2026-11-30T10:00:00.000Z',
          summary: { amount: { value: 1_000, currency: 'EUR' } },
        },
      ],
      now,
    );
    expect(answer.level).toBe('standard');
    expect(answer.value.amount).toBe(1_000);
  });
});
