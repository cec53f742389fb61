/**
 * A newcomer whose best link leads into a golden record holding a member it conflicts with (a
 * father and son of one name, through a record without a birth date) does not join it silently: it
 * founds its own golden record, and the steward sees the pair.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Customer } from '../../../mappings/canonical/types';
import { EmbeddedStore } from '../../../records/embedded-store';
import { GoldenIntake } from '../../../records/golden-intake';

const becker = (ref: string, updatedAt: string, extra: Partial<Customer> = {}): Customer => {
  const [system, id] = ref.split(':');
  return {
    schemaVersion: '1.0',
    customerRef: ref,
    kind: 'person',
    person: { givenName: 'Thomas', familyName: 'Becker' },
    addresses: [
      {
        type: 'home',
        street: 'Eichenallee',
        houseNumber: '9',
        postalCode: '20095',
        city: 'Hamburg',
        country: 'DE',
      },
    ],
    identifiers: [{ system, id }],
    updatedAt,
    source: { system },
    ...extra,
  };
};
const sap = becker('sap:100010', '2025-03-01T00:00:00Z', {
  person: { salutation: 'Herr', givenName: 'Thomas', familyName: 'Becker' },
});
const father = becker('salesforce:003B000001', '2025-03-02T00:00:00Z', { birthDate: '1950-01-01' });
const son = becker('salesforce:003B000002', '2025-03-03T00:00:00Z', { birthDate: '1980-06-15' });

let directory = '';
let store: EmbeddedStore;
let intake: GoldenIntake;

beforeEach(async () => {
  directory = mkdtempSync(join(tmpdir(), 'crm-hub-intake-conflicts-'));
  store = new EmbeddedStore({ directory });
  await store.open();
  intake = new GoldenIntake(store);
});

afterEach(async () => {
  await store.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('golden intake: a newcomer that conflicts with a member of the golden record it links to', () => {
  it('founds its own golden record and proposes the pair for review (father and son of one name)', async () => {
    await intake.takeCustomer(sap);
    const first = await intake.takeCustomer(father);
    expect(first).toMatchObject({ status: 'applied', matched: { ref: 'sap:100010' } });
    const fathers = await store.resolveGoldenId('sap:100010');
    expect(await store.resolveGoldenId('salesforce:003B000001')).toBe(fathers);

    const second = await intake.takeCustomer(son);
    // one item for the father's golden record, showing the pair whose birth dates conflict
    expect(second).toMatchObject({ status: 'applied', reviews: [expect.any(String)] });
    expect(second).not.toHaveProperty('matched');
    const sons = await store.resolveGoldenId('salesforce:003B000002');
    expect(sons).not.toBe(fathers);
    // the father's golden record keeps his birth date
    const held = await store.getGolden(fathers as string);
    expect(held?.record.document.birthDate).toBe('1950-01-01');

    const open = await store.listReviews({ status: 'open' });
    const pairs = open.map((item) => [item.a, item.b].sort().join(' ~ ')).sort();
    expect(pairs).toEqual(['salesforce:003B000001 ~ salesforce:003B000002']);
    expect(open[0].explanation.conflicts).toEqual(['birthDate']);
  });

  it('still joins a golden record whose members it does not conflict with', async () => {
    await intake.takeCustomer(sap);
    await intake.takeCustomer(father);
    const again = await intake.takeCustomer(
      becker('web:77', '2025-03-04T00:00:00Z', { birthDate: '1950-01-01' }),
    );
    expect(again).toMatchObject({ status: 'applied', reviews: [] });
    expect(await store.resolveGoldenId('web:77')).toBe(await store.resolveGoldenId('sap:100010'));
  });
});
