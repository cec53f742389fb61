/**
 * A source id is one record whichever Unicode form a system sends it in: "Ü" as one code point (NFC)
 * or as U and a combining diaeresis (NFD). The hub keys ids in NFC where the cross-reference is formed
 * and where it is looked up.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Customer } from '../../../mappings/canonical/types';
import { EmbeddedStore } from '../../../records/embedded-store';
import { applyWithGoldenRecord, GoldenIntake } from '../../../records/golden-intake';
import { parseSourceRef } from '../../../records/source-versions';

const NFC = 'Kd/Ünï ß:01'.normalize('NFC');
const NFD = NFC.normalize('NFD');

const customer = (sourceId: string, updatedAt: string, street: string): Customer => ({
  schemaVersion: '1.0',
  customerRef: `crm:${sourceId}`,
  kind: 'person',
  person: { givenName: 'Jörg', familyName: 'Übel' },
  identifiers: [{ system: 'crm', id: sourceId }],
  addresses: [{ type: 'home', street, postalCode: '80802', city: 'München', country: 'DE' }],
  updatedAt,
  source: { system: 'crm' },
});

let directory = '';
let store: EmbeddedStore;

beforeEach(async () => {
  directory = mkdtempSync(join(tmpdir(), 'crm-hub-unicode-ids-'));
  store = new EmbeddedStore({ directory });
  await store.open();
});

afterEach(async () => {
  await store.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('golden record: Unicode forms of one source id', () => {
  it('takes the NFC and the NFD form of an id as one source record, and finds it by either', async () => {
    expect(NFD).not.toBe(NFC);
    const intake = new GoldenIntake(store);
    await applyWithGoldenRecord(store, intake, customer(NFC, '2026-11-20T10:00:00Z', 'Alte Straße 1'));
    await applyWithGoldenRecord(store, intake, customer(NFD, '2026-11-21T10:00:00Z', 'Neue Straße 2'));

    expect((await store.listSourceRecords()).map((r) => r.sourceId)).toEqual([NFC]);
    const golden = await store.getGolden(`crm:${NFD}`);
    expect(golden?.members).toEqual([{ system: 'crm', sourceId: NFC }]);
    expect(golden?.record.document.addresses?.[0]?.street).toBe('Neue Straße 2');
    expect(await store.resolveGoldenId(`crm:${NFC}`)).toBe(golden?.goldenId);
    // the per-ref copy the 360 shows as `customer`: one, under the NFC ref, the newer version
    expect((await store.getCustomer(`crm:${NFD}`))?.customerRef).toBe(`crm:${NFC}`);
    expect((await store.getCustomer(`crm:${NFC}`))?.document).toMatchObject({
      addresses: [{ street: 'Neue Straße 2' }],
    });
  });
});

describe('parseSourceRef', () => {
  it('splits a ref whose system is in NFD at its colon, keyed in NFC', () => {
    const system = 'Bürosystem'.normalize('NFD');
    expect(system.length).toBe('Bürosystem'.length + 1);
    expect(parseSourceRef(`${system}:4711`)).toEqual({
      system: 'Bürosystem'.normalize('NFC'),
      sourceId: '4711',
    });
    expect(parseSourceRef(`crm:${NFD}`)).toEqual({ system: 'crm', sourceId: NFC });
  });
});
