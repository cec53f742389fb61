/**
 * The review band holds one item per pair of golden records, not one per member pair: a newcomer
 * that resembles a golden record of many members is one decision for the steward, and a decision on
 * it covers the golden record, also when a later version of the newcomer comes in.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import request from 'supertest';
import { HealthRegistry } from '../../../app/api/health';
import { createHubApi } from '../../../app/api/hub-api';
import type { Customer } from '../../../mappings/canonical/types';
import { EmbeddedStore } from '../../../records/embedded-store';
import { GoldenIntake } from '../../../records/golden-intake';

const MEMBERS = 8;

const viktoria = (ref: string, updatedAt: string, extra: Partial<Customer> = {}): Customer => {
  const [system, id] = ref.split(':');
  return {
    schemaVersion: '1.0',
    customerRef: ref,
    kind: 'person',
    person: { givenName: 'Viktoria', familyName: 'Grossmann' },
    addresses: [
      { type: 'home', street: 'Bahnhofstraße 1', postalCode: '60329', city: 'Frankfurt', country: 'DE' },
    ],
    identifiers: [{ system, id }],
    updatedAt,
    source: { system },
    ...extra,
  };
};

// the same name and postal code, another street: the review band against every member
const elsewhere: Partial<Customer> = {
  addresses: [
    { type: 'home', street: 'Kaiserstraße 10', postalCode: '60329', city: 'Frankfurt', country: 'DE' },
  ],
};

let directory = '';
let store: EmbeddedStore;
let intake: GoldenIntake;

beforeEach(async () => {
  directory = mkdtempSync(join(tmpdir(), 'crm-hub-review-per-golden-'));
  store = new EmbeddedStore({ directory });
  await store.open();
  intake = new GoldenIntake(store);
  for (let i = 0; i < MEMBERS; i++) {
    await intake.takeCustomer(
      viktoria(`salesforce:c${i}`, '2025-10-01T09:00:00Z', {
        emails: [{ address: 'viktoria.grossmann@example.com', type: 'home' }],
        birthDate: '1966-06-16',
        addresses: [
          {
            type: 'home',
            street: `Bahnhofstraße ${i + 1}`,
            postalCode: '60329',
            city: 'Frankfurt',
            country: 'DE',
          },
        ],
      }),
    );
  }
});

afterEach(async () => {
  await store.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('review band per golden record', () => {
  it('proposes one item for a newcomer against a golden record of many members, with both golden ids', async () => {
    const golden = await store.getGolden('salesforce:c0');
    expect(golden?.members).toHaveLength(MEMBERS);
    const taken = await intake.takeCustomer(viktoria('crm:V2', '2025-11-01T09:00:00Z', elsewhere));
    expect(taken).toMatchObject({ status: 'applied', reviews: [expect.any(String)] });
    expect(await store.listReviews()).toHaveLength(1);

    const server = express();
    server.use('/api/v1', createHubApi({ store: () => store, health: new HealthRegistry() }));
    const listed = await request(server).get('/api/v1/reviews');
    const [item] = listed.body.reviews;
    const crmGolden = await store.resolveGoldenId('crm:V2');
    const goldens = item.a === 'crm:V2' ? [crmGolden, golden?.goldenId] : [golden?.goldenId, crmGolden];
    expect([item.goldenA, item.goldenB]).toEqual(goldens);

    // kept apart: a later version of the newcomer proposes nothing against that golden record again
    const kept = await request(server)
      .post(`/api/v1/reviews/${item.reviewId}`)
      .send({ decision: 'keep-apart' });
    expect(kept.status).toBe(200);
    const later = await intake.takeCustomer(viktoria('crm:V2', '2025-11-02T09:00:00Z', elsewhere));
    expect(later).toMatchObject({ status: 'applied', reviews: [] });
    expect(await store.listReviews()).toEqual([]);
  });
});
