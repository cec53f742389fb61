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
