/**
 * The golden intake's match index follows new versions of the records it holds: a record that gained
 * an e-mail is found by it, a stale version changes nothing, and what a new version matches in
 * another golden record goes to review instead of moving it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseIdocXml } from '../../../formats/idoc/idoc';
import { idocToRecord } from '../../../formats/idoc/idoc-record';
import type { Customer } from '../../../mappings/canonical/types';
import { compileMapping, loadSystemSpec } from '../../../mappings/engine';
import { EmbeddedStore } from '../../../records/embedded-store';
import { GoldenIntake } from '../../../records/golden-intake';
import { MatchIndex, normalizeRecord } from '../../../records/matching';
import { debmas } from '../../e2e/sync-fixtures';

const anna = (ref: string, updatedAt: string, extra: Partial<Customer> = {}): Customer => {
  const [system, id] = ref.split(':');
  return {
    schemaVersion: '1.0',
    customerRef: ref,
    kind: 'person',
    person: { givenName: 'Anna', familyName: 'Schmidt' },
    identifiers: [{ system, id }],
    updatedAt,
    source: { system },
    ...extra,
  };
};
const mailbox = (address: string): Partial<Customer> => ({ emails: [{ address, type: 'home' }] });

let directory = '';
let store: EmbeddedStore;
let intake: GoldenIntake;

beforeEach(async () => {
  directory = mkdtempSync(join(tmpdir(), 'crm-hub-intake-versions-'));
  store = new EmbeddedStore({ directory });
  await store.open();
  intake = new GoldenIntake(store);
  await intake.takeCustomer(anna('sap:1', '2026-11-20T10:00:00Z'));
});

afterEach(async () => {
  await store.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('golden intake: new versions of held records', () => {
  it('finds a record by the e-mail its newer version gained', async () => {
    await intake.takeCustomer(anna('sap:1', '2026-11-21T10:00:00Z', mailbox('anna.schmidt@example.de')));
    const web = await intake.takeCustomer(
      anna('web:9', '2026-11-22T10:00:00Z', mailbox('Anna.Schmidt@example.de')),
    );
    expect(web).toMatchObject({ status: 'applied', matched: { ref: 'sap:1', rule: 'email' } });
    expect(await store.resolveGoldenId('web:9')).toBe(await store.resolveGoldenId('sap:1'));
    expect(intake.size).toBe(2);
  });

  it('leaves the index alone for a stale version', async () => {
    await intake.takeCustomer(anna('sap:1', '2026-11-21T10:00:00Z', mailbox('anna.schmidt@example.de')));
    const stale = await intake.takeCustomer(anna('sap:1', '2026-11-19T10:00:00Z', mailbox('old@example.de')));
    expect(stale.status).toBe('stale');
    const web = await intake.takeCustomer(anna('web:10', '2026-11-22T10:00:00Z', mailbox('old@example.de')));
    expect(web).toMatchObject({ status: 'applied' });
    expect(web).not.toHaveProperty('matched');
    expect(await store.resolveGoldenId('web:10')).not.toBe(await store.resolveGoldenId('sap:1'));
  });

  it('proposes for review what a newer version matches in another golden record, and moves nothing', async () => {
    const web = await intake.takeCustomer(
      anna('web:9', '2026-11-20T12:00:00Z', mailbox('anna.schmidt@example.de')),
    );
    expect(web).not.toHaveProperty('matched');
    const updated = await intake.takeCustomer(
      anna('sap:1', '2026-11-21T10:00:00Z', mailbox('anna.schmidt@example.de')),
    );
    expect(updated).toMatchObject({ status: 'applied', reviews: [expect.any(String)] });
    expect(await store.resolveGoldenId('web:9')).not.toBe(await store.resolveGoldenId('sap:1'));
    const [item] = await store.listReviews();
    expect(item).toMatchObject({ status: 'open' });
    expect([item.a, item.b].sort()).toEqual(['sap:1', 'web:9']);
    expect(item.explanation.summary).toContain(
      'not followed, as a new version of a record held does not move to another golden record by itself: review',
    );
    // the same version again proposes nothing new
    const again = await intake.takeCustomer(
      anna('sap:1', '2026-11-21T10:00:00Z', mailbox('anna.schmidt@example.de')),
    );
    expect(again.status).toBe('stale');
    expect(await store.listReviews()).toHaveLength(1);
  });

  it('without the newer version, names alone keep the two apart (what the update changes)', async () => {
    const web = await intake.takeCustomer(
      anna('web:9', '2026-11-22T10:00:00Z', mailbox('anna.schmidt@example.de')),
    );
    expect(web).not.toHaveProperty('matched');
  });
});

describe('golden intake: SAP IDocs created in the same second', () => {
  const mapDebmas = compileMapping(loadSystemSpec('sap'), 'DEBMAS');
  const at = new Date('2026-11-23T08:15:30Z');
  // people who share nothing, so each is a golden record of its own
  const FAMILIES = ['Abel', 'Brandt', 'Costa', 'Dietz', 'Engel', 'Fuchs', 'Graf', 'Hahn'];
  const GIVEN = ['Anna', 'Boris', 'Clara', 'Dirk', 'Eva', 'Fritz', 'Greta', 'Hugo'];
  const idoc = (kunnr: string, docnum: string, phone: string): Customer => {
    const n = Number(kunnr) % 100;
    const xml = debmas(
      kunnr,
      {
        given: GIVEN[n % 8],
        family: FAMILIES[Math.floor(n / 8)],
        street: `Ring ${n + 1}`,
        postalCode: String(50667 + n * 7),
        city: 'Köln',
        country: 'DE',
        at,
        phone,
      },
      docnum,
    );
    const mapped = mapDebmas.map(idocToRecord(parseIdocXml(Buffer.from(xml))[0], 0));
    if (!mapped.ok) throw new Error(mapped.error.message);
    return mapped.value as unknown as Customer;
  };
  const phoneOf = async (ref: string) => {
    const golden = await store.getGoldenDocument((await store.resolveGoldenId(ref)) as string);
    return golden?.document.phones?.[0]?.number;
  };

  it('keeps the IDoc with the higher DOCNUM, in either order, whatever the content', async () => {
    // a digest of the content decided before, so about half of these went the wrong way
    const customers = Array.from({ length: 16 }, (_, i) => String(73100 + i));
    for (const kunnr of customers) {
      const older = await intake.takeCustomer(idoc(kunnr, `73${kunnr}1`, `0221 100${kunnr}`));
      expect(older.status).toBe('applied');
      const newer = await intake.takeCustomer(idoc(kunnr, `73${kunnr}2`, `0221 200${kunnr}`));
      expect({ kunnr, status: newer.status }).toEqual({ kunnr, status: 'applied' });
      expect(await phoneOf(`sap:${kunnr}`)).toBe(`+49221200${kunnr}`);
      // the older one arriving late changes nothing
      const late = await intake.takeCustomer(idoc(kunnr, `73${kunnr}1`, `0221 100${kunnr}`));
      expect({ kunnr, status: late.status }).toEqual({ kunnr, status: 'stale' });
      expect(await phoneOf(`sap:${kunnr}`)).toBe(`+49221200${kunnr}`);
    }
  });
});

describe('MatchIndex.update', () => {
  it('refuses a record it never added, and finds an updated one under its new keys', () => {
    const index = new MatchIndex();
    const record = (ref: string, email?: string) =>
      normalizeRecord({ ref, givenName: 'Anna', familyName: 'Schmidt', emails: email ? [email] : [] });
    expect(index.update(record('crm:1', 'a@example.de'))).toBeUndefined();
    index.add(record('crm:1'));
    // decided against the others, never against itself
    expect(index.update(record('crm:1', 'anna@example.de'))).toEqual({
      links: [],
      reviews: [],
      contradictions: [],
      compared: 0,
    });
    expect(index.size).toBe(1);
    expect(index.numberOf('crm:1')).toBe(0);
    const added = index.add(record('web:2', 'anna@example.de'));
    expect(added.links).toEqual([expect.objectContaining({ a: 'crm:1', b: 'web:2' })]);
  });
});
