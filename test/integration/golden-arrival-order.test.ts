import type { Customer, InteractionEvent } from '../../mappings/canonical/types';
import { GoldenIntake } from '../../records/golden-intake';
import type { HubStore } from '../../records/store';
import { seeded, shuffled } from '../e2e/sync-fixtures';
import { storeBackends } from './store-backends';

/**
 * "50 random arrival orders of the same updates converge to the same golden record, lineage included",
 * at the golden intake (the golden-record node's library) on both stores: the pipeline in front of it
 * (crm.inbound, decode, mapping) only changes the order, which this test takes over with a seeded
 * shuffle, 50 times per store. The updates are versions of one customer's records in four systems
 * (each also carrying the CRM number, as legacy systems keep it, so every order links them) and
 * address changes reported on channels, with older versions arriving after newer ones.
 */
const RUNS = 50;
const SYSTEMS = ['crm', 'sap', 'siebel', 'salesforce'] as const;
const CUSTOMERS = 3;

type Update = { kind: 'customer'; doc: Customer } | { kind: 'event'; event: InteractionEvent };

function updates(): Update[] {
  const random = seeded(4711);
  const out: Update[] = [];
  const streets = ['Leopoldstraße', 'Ring', 'Hauptstraße', 'Am Hof'];
  const cities = ['München', 'Köln', 'Berlin'];
  for (let c = 0; c < CUSTOMERS; c++) {
    const crmId = `${9000 + c}`;
    for (const [s, system] of SYSTEMS.entries()) {
      for (let v = 0; v < 3; v++) {
        const id = system === 'crm' ? crmId : `${system.slice(0, 2).toUpperCase()}-${c}`;
        const at = new Date(Date.UTC(2026, 2, 1, 9, v * 10 + s * 2 + (c % 2)));
        out.push({
          kind: 'customer',
          doc: {
            schemaVersion: '1.0',
            customerRef: `${system}:${id}`,
            kind: 'person',
            person: {
              givenName: ['Anna', 'Paul', 'Mia'][c],
              familyName:
                v === 2 && system === 'siebel'
                  ? ['Schmidt-Meier', 'Fischer', 'Wagner'][c]
                  : ['Schmidt', 'Fischer', 'Wagner'][c],
            },
            identifiers: [{ system, id }, ...(system === 'crm' ? [] : [{ system: 'crm', id: crmId }])],
            addresses: [
              {
                type: 'postal',
                street: streets[Math.floor(random() * streets.length)],
                houseNumber: String(1 + Math.floor(random() * 40)),
                postalCode: String(10000 + Math.floor(random() * 80000)),
                city: cities[Math.floor(random() * cities.length)],
                country: 'DE',
              },
            ],
            ...(system === 'salesforce' || system === 'siebel'
              ? { emails: [{ type: 'personal', address: `p${c}.v${v}@example.de` }] }
              : {}),
            ...(system === 'sap'
              ? { phones: [{ type: 'work', number: `+4930${1000000 + c * 10 + v}` }] }
              : {}),
            updatedAt: at.toISOString(),
            source: { system },
          } as Customer,
        });
      }
    }
    for (let e = 0; e < 2; e++) {
      out.push({
        kind: 'event',
        event: {
          eventId: `00000000-0000-4000-8000-${String(c * 10 + e).padStart(12, '0')}`,
          schemaVersion: '1.0',
          type: 'address-changed',
          occurredAt: new Date(Date.UTC(2026, 2, 1, 9, 15 + e * 20)).toISOString(),
          channel: 'call-center',
          source: { system: 'crm' },
          customer: { ref: `crm:${crmId}`, identifiers: [{ system: 'crm', id: crmId }] },
          data: {
            address: { street: `Neue Straße ${e + 1}`, postalCode: '80802', city: 'München', country: 'DE' },
          },
        } as InteractionEvent,
      });
    }
  }
  return out;
}

/** What must not depend on the order: per customer, the golden record with its lineage and members. */
async function snapshot(store: HubStore): Promise<unknown[]> {
  const out: unknown[] = [];
  for (let c = 0; c < CUSTOMERS; c++) {
    const golden = await store.getGolden(`crm:${9000 + c}`);
    if (!golden) throw new Error(`no golden record for crm:${9000 + c}`);
    const { document, lineage, sources, events } = golden.record;
    out.push({ goldenId: golden.goldenId, members: golden.members, document, lineage, sources, events });
  }
  return out;
}

async function arrive(store: HubStore, order: Update[]): Promise<void> {
  const intake = new GoldenIntake(store);
  for (const update of order) {
    if (update.kind === 'customer') await intake.takeCustomer(update.doc);
    else await intake.takeEvent(update.event);
  }
}

/** All updates handed in at once, as a consumer with a prefetch does: the intake's lanes order them. */
async function arriveTogether(store: HubStore, order: Update[]): Promise<void> {
  const intake = new GoldenIntake(store);
  await Promise.all(
    order.map((update) =>
      update.kind === 'customer' ? intake.takeCustomer(update.doc) : intake.takeEvent(update.event),
    ),
  );
}

const backends = storeBackends('arrival');

describe.each(backends)('golden record, %s: random arrival orders converge', (_name, backend) => {
  it(`gives the same golden records, lineage included, in ${RUNS} seeded orders`, async () => {
    const all = updates();
    let reference: unknown[] | undefined;
    for (let seed = 1; seed <= RUNS; seed++) {
      const order = seed === 1 ? all : shuffled(all, seeded(seed));
      const place = backend();
      try {
        const store = await place.open();
        await arrive(store, order);
        const got = await snapshot(store);
        reference ??= got;
        // the seed says which order to replay when this fails
        expect([seed, got]).toEqual([seed, reference]);
      } finally {
        await place.cleanup();
      }
    }
    // and the result is the one the updates say: the newest event's address, every system linked
    const [first] = reference as {
      members: unknown[];
      document: Customer;
      lineage: Record<string, unknown>;
    }[];
    expect(first.members).toHaveLength(SYSTEMS.length);
    // the event's street line is split as the mappings split a record's
    expect(first.document.addresses?.[0]).toMatchObject({
      street: 'Neue Straße',
      houseNumber: '2',
      postalCode: '80802',
    });
    expect(first.lineage['addresses[0]']).toMatchObject({ rule: 'event', via: 'call-center' });
  }, 300000);

  it('gives the same golden records when all updates are handed in at once, in 10 seeded orders', async () => {
    const all = updates();
    const once = backend();
    let reference: unknown[];
    try {
      const store = await once.open();
      await arrive(store, all);
      reference = await snapshot(store);
    } finally {
      await once.cleanup();
    }
    for (let seed = 1; seed <= 10; seed++) {
      const place = backend();
      try {
        const store = await place.open();
        await arriveTogether(store, seed === 1 ? all : shuffled(all, seeded(seed)));
        expect([seed, await snapshot(store)]).toEqual([seed, reference]);
      } finally {
        await place.cleanup();
      }
    }
  }, 300000);
});
