/**
 * A newcomer whose write the store refused (PostgreSQL restarting) comes back on redelivery and must be
 * matched again. The match index took it the first time; before, the redelivery found it "known",
 * skipped matching and gave it a golden record of its own, splitting the customer: 95 of 300 SAP
 * customers in a run with a 20 s PostgreSQL stop, whose later updates then never reached Siebel or
 * Salesforce (they went to review as "a new version of a record held").
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Customer } from '../../../mappings/canonical/types';
import { EmbeddedStore } from '../../../records/embedded-store';
import { GoldenIntake } from '../../../records/golden-intake';
import type { GoldenStore } from '../../../records/golden-store';
import { StoreUnavailableError } from '../../../records/store-unavailable';

const anna = (ref: string, identifiers: Customer['identifiers']): Customer => {
  const [system] = ref.split(':');
  return {
    schemaVersion: '1.0',
    customerRef: ref,
    kind: 'person',
    person: { givenName: 'Anna', familyName: 'Schmidt' },
    birthDate: '1984-06-30',
    emails: [{ address: 'anna.schmidt@example.org', type: 'home' }],
    identifiers,
    updatedAt: '2026-11-20T10:00:00Z',
    source: { system },
  };
};

let directory = '';
let store: EmbeddedStore;

beforeEach(async () => {
  directory = mkdtempSync(join(tmpdir(), 'crm-hub-intake-outage-'));
  store = new EmbeddedStore({ directory });
  await store.open();
});

afterEach(async () => {
  await store.close();
  rmSync(directory, { recursive: true, force: true });
});

/** the store, with its next `applyLink` refused as an unreachable store refuses it */
function refusingOnce(inner: GoldenStore): GoldenStore {
  let refuse = false;
  const outage = new Proxy(inner, {
    get(target, name, receiver) {
      if (name === 'applyLink' && refuse) {
        return () => {
          refuse = false;
          return Promise.reject(new StoreUnavailableError('connect ECONNREFUSED 127.0.0.1:5432'));
        };
      }
      const value = Reflect.get(target, name, receiver) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return Object.assign(outage, { refuseNext: () => (refuse = true) });
}

describe('golden intake: a newcomer the store refused', () => {
  it('is matched again when it comes back, and joins the golden record it matched', async () => {
    const outage = refusingOnce(store) as GoldenStore & { refuseNext(): void };
    const intake = new GoldenIntake(outage);
    const crm = anna('crm:4711', [
      { system: 'crm', id: '4711' },
      { system: 'sap', id: '104711' },
    ]);
    await intake.takeCustomer(crm);
    const sap = anna('sap:104711', [{ system: 'sap', id: '104711' }]);

    outage.refuseNext();
    await expect(intake.takeCustomer(sap)).rejects.toThrow(/ECONNREFUSED/);
    const again = await intake.takeCustomer(sap);

    expect(again).toMatchObject({ status: 'applied', matched: { ref: 'crm:4711' } });
    expect(await store.resolveGoldenId('sap:104711')).toBe(await store.resolveGoldenId('crm:4711'));
  });
});

/**
 * The store failing to say which golden record holds a ref (PostgreSQL away for a moment) was taken as
 * "held by none": the change ran outside its golden record's lane, beside another change to that golden
 * record, and a newcomer was matched as if nothing held it. 1 of 1 update here was applied while the
 * lookup failed. The failure now reaches the caller, so the message goes back to the queue.
 */
describe('golden intake: the store cannot say which golden record holds a ref', () => {
  /** the store, with its next `resolveGoldenId` failing as an unreachable store fails it */
  function lookupFailingOnce(inner: GoldenStore): GoldenStore & { failNext(): void } {
    let fail = false;
    const outage = new Proxy(inner, {
      get(target, name, receiver) {
        if (name === 'resolveGoldenId' && fail) {
          return () => {
            fail = false;
            return Promise.reject(new StoreUnavailableError('connect ECONNREFUSED 127.0.0.1:5432'));
          };
        }
        const value = Reflect.get(target, name, receiver) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    return Object.assign(outage, { failNext: () => (fail = true) });
  }

  it('fails the change instead of taking the ref as held by none, and takes it on the redelivery', async () => {
    const outage = lookupFailingOnce(store);
    const intake = new GoldenIntake(outage);
    const first = anna('crm:4711', [{ system: 'crm', id: '4711' }]);
    await intake.takeCustomer(first);
    const goldenId = await store.resolveGoldenId('crm:4711');
    const moved = { ...first, updatedAt: '2026-11-21T10:00:00Z', birthDate: '1984-07-01' };

    outage.failNext();
    await expect(intake.takeCustomer(moved)).rejects.toThrow(/ECONNREFUSED/);
    expect((await store.getGolden('crm:4711'))?.record.document.birthDate).toBe('1984-06-30');

    await expect(intake.takeCustomer(moved)).resolves.toMatchObject({ status: 'applied', goldenId });
    expect((await store.getGolden('crm:4711'))?.record.document.birthDate).toBe('1984-07-01');
  });

  it('still takes a ref the store refuses as malformed as held by none', async () => {
    const intake = new GoldenIntake(store);
    const event = {
      eventId: '3b0c7f64-8d0e-4d53-9d0a-6a1b2c3d4e5f',
      schemaVersion: '1.0',
      type: 'address-changed',
      occurredAt: '2026-11-20T10:00:00Z',
      channel: 'call-center',
      source: { system: 'crm' },
      customer: { ref: 'no-system-here' },
      data: { address: { street: 'Hauptstraße 5', postalCode: '80331', city: 'München', country: 'DE' } },
    };
    // the refusal is the event's own (applySourceEvent's), not the lookup's
    await expect(intake.takeEvent(event as never)).rejects.toThrow(/no-system-here/);
  });
});
