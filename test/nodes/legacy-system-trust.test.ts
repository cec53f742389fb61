import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import type { Customer } from '../../mappings/canonical/types';
import type { HubStoreNode } from '../../nodes/hub-store/hub-store';
import type { LegacySystemNode } from '../../nodes/legacy-system/legacy-system';
import { hubRuntime } from '../../nodes/shared/hub-runtime';
import { GoldenIntake } from '../../records/golden-intake';
import type { HubStore } from '../../records/store';
import { trustAttributeNames } from '../../records/trust';
import {
  all,
  captured,
  helper,
  load,
  loggedErrors,
  nextError,
  nextInput,
  tempDir,
  useHelper,
  type FlowNode,
} from './harness';

useHelper();

/** (A node id equal to a systemId reads to Node-RED as a reference to itself.) SAP is trusted for addresses, the CRM for e-mails; the CRM's record is two days newer. */
const systems = (sapTrust = 'address: 90', crmTrust = 'address: 40, email: 80'): FlowNode[] => [
  {
    id: 'sys-sap',
    type: 'legacy-system',
    systemId: 'sap',
    mapping: '',
    trustDefault: 50,
    trust: sapTrust,
    version: 3,
  },
  {
    id: 'sys-crm',
    type: 'legacy-system',
    systemId: 'crm',
    mapping: '',
    trustDefault: '50',
    trust: crmTrust,
    version: 3,
  },
  { id: 'store', type: 'hub-store', databaseUrl: '', directory: tempDir('trust') },
];

const person = (system: string, id: string, updatedAt: string, street: string, city: string): Customer => ({
  schemaVersion: '1.0',
  customerRef: `${system}:${id}`,
  kind: 'person',
  person: { givenName: 'Anna', familyName: 'Schmidt' },
  emails: [{ type: 'home', address: `anna.schmidt+${system}@example.org` }],
  addresses: [{ type: 'home', street, postalCode: '10115', city, country: 'DE' }],
  identifiers: [
    { system, id },
    // both systems hold the same tax id: a deterministic match
    { system: 'tax-id', id: '12345678901' },
  ],
  updatedAt,
  source: { system },
});
const sapAnna = person('sap', '100001', '2026-11-20T10:00:00Z', 'Alte Gasse 3', 'Berlin');
const crmAnna = person('crm', '4711', '2026-11-22T10:00:00Z', 'Leopoldstraße 12', 'München');

const storeOf = (): Promise<HubStore> => (helper.getNode('store') as unknown as HubStoreNode).ready;

describe('legacy-system: source trust per attribute', () => {
  it('states its trust to the hub, where the golden record lets the trusted address win over a newer one', async () => {
    await load(all, systems());
    expect((helper.getNode('sys-sap') as unknown as LegacySystemNode).trust).toEqual({
      default: 50,
      attributes: { addresses: 90 },
    });
    const intake = new GoldenIntake(await storeOf(), { trust: hubRuntime.trust.lookup });
    await intake.takeCustomer(sapAnna);
    const second = await intake.takeCustomer(crmAnna);
    expect(second).toMatchObject({ status: 'applied', matched: { ref: 'sap:100001' } });

    const golden = await (await storeOf()).getGolden('crm:4711');
    expect(golden?.record.document.addresses?.[0]).toMatchObject({ street: 'Alte Gasse 3', city: 'Berlin' });
    expect(golden?.record.lineage['addresses[0]']).toEqual({
      source: { system: 'sap', sourceId: '100001' },
      rule: 'trust',
      at: '2026-11-20T10:00:00.000Z',
    });
    // the CRM is the trusted one for e-mails: its address comes first, by trust too
    expect(golden?.record.document.emails?.[0].address).toBe('anna.schmidt+crm@example.org');
    expect(golden?.record.lineage['emails[0]']).toMatchObject({ source: { system: 'crm' }, rule: 'trust' });
    // no override for names: both count 50, and the newer record wins
    expect(golden?.record.lineage['person.familyName']).toMatchObject({ rule: 'recency' });
  });

  it('makes the golden-record node keep the trusted system’s address, whichever arrives first', async () => {
    for (const order of [
      [sapAnna, crmAnna],
      [crmAnna, sapAnna],
    ]) {
      await load(all, [
        ...systems(),
        { id: 'golden', type: 'golden-record', store: 'store', wires: [['stored']] },
        { id: 'stored', type: 'helper' },
      ]);
      for (const doc of order) {
        const stored = nextInput('stored');
        const failed = nextError('golden').then((e) => Promise.reject(new Error(e)));
        helper.getNode('golden').receive({ payload: doc });
        await Promise.race([stored, failed]);
      }
      const golden = await (await storeOf()).getGolden('sap:100001');
      expect(golden?.members).toHaveLength(2);
      // the CRM's address is two days newer; SAP is trusted for addresses
      expect(golden?.record.document.addresses).toEqual([
        { type: 'home', street: 'Alte Gasse 3', postalCode: '10115', city: 'Berlin', country: 'DE' },
      ]);
      expect(golden?.record.lineage['addresses[0]']).toEqual({
        source: { system: 'sap', sourceId: '100001' },
        rule: 'trust',
        at: '2026-11-20T10:00:00.000Z',
      });
      await helper.unload();
    }
  });

  it('lets a steward’s link recompute the golden record with the deployed trust', async () => {
    await load(all, systems('address: 95', 'address: 20'));
    // no tax id, no e-mail: same names and postal code only, so matching proposes a review
    const bare = (doc: Customer, street: string): Customer => ({
      ...doc,
      identifiers: [doc.identifiers[0]],
      emails: [],
      addresses: [{ type: 'home', street, postalCode: '50667', city: 'Köln', country: 'DE' }],
    });
    const intake = new GoldenIntake(await storeOf(), { trust: hubRuntime.trust.lookup });
    await intake.takeCustomer(bare(crmAnna, 'Domkloster 1'));
    const second = await intake.takeCustomer(bare(sapAnna, 'Hohe Straße 9'));
    expect(second).toMatchObject({ status: 'applied' });
    const reviews = second.status === 'applied' ? second.reviews : [];
    expect(reviews).toHaveLength(1);

    const linked = await request(captured.red!.httpNode)
      .post(`/api/v1/reviews/${reviews[0]}`)
      .send({ decision: 'link' });
    expect(linked.status).toBe(200);
    const golden = await (await storeOf()).getGolden('sap:100001');
    expect(golden?.members).toHaveLength(2);
    expect(golden?.record.lineage['addresses[0]']).toMatchObject({
      source: { system: 'sap', sourceId: '100001' },
      rule: 'trust',
    });
    expect(golden?.record.document.addresses?.[0].street).toBe('Hohe Straße 9');
  });

  it('withdraws its trust when it stops, so a redeploy without it counts the default again', async () => {
    await load(all, systems());
    expect(Object.keys(hubRuntime.trust.config().systems ?? {}).sort()).toEqual(['crm', 'sap']);
    await helper.unload();
    expect(hubRuntime.trust.config().systems).toEqual({});
    expect(hubRuntime.trust.lookup('sap', 'addresses')).toBe(50);
  });

  it('refuses a wrong trust with an error that names the system, and states none', async () => {
    await load(all, systems('adress: 90'));
    expect(loggedErrors('sys-sap')).toEqual(['legacy-system.errors.trust']);
    expect((helper.getNode('sys-sap') as unknown as LegacySystemNode).trust).toBeUndefined();
    expect(Object.keys(hubRuntime.trust.config().systems ?? {})).toEqual(['crm']);
  });

  it('warns when two nodes state the trust of one system', async () => {
    const warned: string[] = [];
    const flow = [
      ...systems(),
      {
        id: 'sys-sap2',
        type: 'legacy-system',
        systemId: 'sap',
        mapping: '',
        trustDefault: 10,
        trust: '',
        version: 3,
      },
    ];
    await load(all, flow);
    const spy = helper.log() as unknown as { args: { level: number; id?: string; msg?: unknown }[][] };
    for (const [entry] of spy.args)
      if (entry?.level === 30 && entry.id) warned.push(`${entry.id}: ${String(entry.msg)}`);
    expect(warned).toEqual(['sys-sap2: legacy-system.errors.trust-twice']);
    expect(hubRuntime.trust.lookup('sap', 'addresses')).toBe(10);
  });

  it('checks in the editor the attribute names the library accepts', () => {
    const editor = fs.readFileSync(
      path.join(__dirname, '..', '..', 'nodes', 'legacy-system', 'legacy-system.html'),
      'utf8',
    );
    const list = /var TRUST_ATTRIBUTES = \[([^\]]*)\]/.exec(editor)?.[1] ?? '';
    const names = [...list.matchAll(/'([^']+)'/g)].map((m) => m[1]);
    expect(names).toEqual(trustAttributeNames());
  });
});
