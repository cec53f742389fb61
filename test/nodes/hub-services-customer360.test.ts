import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import * as soap from 'soap';
import type { HubStoreNode } from '../../nodes/hub-store/hub-store';
import { applyWithGoldenRecord, GoldenIntake } from '../../records/golden-intake';
import { hubRuntime } from '../../nodes/shared/hub-runtime';
import { all, captured, core, helper, load, tempDir, useHelper, type FlowNode } from './harness';

/* eslint-disable-next-line @typescript-eslint/no-require-imports */
const changeNode = require('@node-red/nodes/core/function/15-change.js') as unknown;
/* eslint-disable-next-line @typescript-eslint/no-require-imports */
const switchNode = require('@node-red/nodes/core/function/10-switch.js') as unknown;
const modules = [...all, core.catchNode, changeNode, switchNode];
const run = promisify(execFile);
const root = path.join(__dirname, '..', '..');
/** hub.wsdl as clients built before the golden record cached it */
const OLD_WSDL = path.join(root, 'test', 'fixtures', 'wsdl-history', 'hub-v1-before-golden.wsdl');
/** hub.wsdl as clients built before GetCustomer360 listed held-back offers cached it */
const BEFORE_HELD_BACK = path.join(root, 'test', 'fixtures', 'wsdl-history', 'hub-v2-before-held-back.wsdl');
/** hub.wsdl as clients built before GetCustomer360 answered the golden record's data quality cached it */
const BEFORE_DATA_QUALITY = path.join(
  root,
  'test',
  'fixtures',
  'wsdl-history',
  'hub-v3-before-data-quality.wsdl',
);

useHelper();

/** The shipped GetCustomer360 path of flows/hub.json. */
function shippedPath(directory: string): FlowNode[] {
  const hub = JSON.parse(fs.readFileSync(path.join(root, 'flows', 'hub.json'), 'utf8')) as FlowNode[];
  const ids = [
    'cfg-soap-hub',
    'cfg-store',
    'svc-360',
    'svc-360-request',
    'svc-view',
    'svc-known',
    'svc-shape-360',
    'svc-unknown',
    'svc-reply-read',
    'svc-catch-read',
  ];
  return [
    { id: 'tab-services', type: 'tab' },
    ...hub
      .filter((n) => ids.includes(n.id))
      .map((n) =>
        n.id === 'cfg-store'
          ? { ...n, databaseUrl: '', directory }
          : n.id === 'svc-catch-read'
            ? { ...n, scope: (n.scope as string[]).filter((id) => !id.includes('nbo')) }
            : n,
      ),
  ];
}

/** SAP knows Anna's tier; the CRM her e-mail; the call center then hears she moved. */
const sapAnna = {
  schemaVersion: '1.0',
  customerRef: 'sap:100001',
  kind: 'person',
  person: { givenName: 'Anna', familyName: 'Schmidt' },
  tier: 'platinum',
  addresses: [{ type: 'postal', street: 'Alte Gasse 3', postalCode: '10115', city: 'Berlin', country: 'DE' }],
  identifiers: [
    { system: 'sap', id: '100001' },
    { system: 'tax-id', id: '12345678901' },
  ],
  updatedAt: '2026-11-20T10:00:00Z',
  source: { system: 'sap', operation: 'DEBMAS' },
};
const crmAnna = {
  schemaVersion: '1.0',
  customerRef: 'crm:4711',
  kind: 'person',
  person: { givenName: 'Anna', familyName: 'Schmidt' },
  emails: [{ type: 'home', address: 'anna.schmidt@example.org' }],
  identifiers: [
    { system: 'crm', id: '4711' },
    { system: 'tax-id', id: '12345678901' },
  ],
  updatedAt: '2026-11-21T10:00:00Z',
  source: { system: 'crm' },
};
const moved = {
  eventId: '6f1c2a4e-8b1d-4c3e-9a7f-2d5e8c9b0a11',
  schemaVersion: '1.0',
  type: 'address-changed',
  occurredAt: '2026-11-22T09:00:00Z',
  channel: 'call-center',
  source: { system: 'crm', operation: 'ReportAddressChange' },
  customer: { ref: 'crm:4711', identifiers: [{ system: 'crm', id: '4711' }] },
  data: { address: { street: 'Leopoldstraße 12', postalCode: '80802', city: 'München', country: 'DE' } },
};

let server: http.Server | undefined;

async function serve(): Promise<string> {
  server = http.createServer(captured.red!.httpNode);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/soap/hub`;
}

async function deployWithAnna(): Promise<string> {
  await load(modules, shippedPath(tempDir('c360-soap')));
  const store = await (helper.getNode('cfg-store') as unknown as HubStoreNode).ready;
  const intake = new GoldenIntake(store);
  for (const doc of [sapAnna, crmAnna, moved]) await applyWithGoldenRecord(store, intake, doc);
  const golden = await store.getGolden('crm:4711');
  expect(golden?.members).toHaveLength(2);
  return golden!.goldenId;
}

type Zeep = Record<string, { customer: Record<string, unknown> } & Record<string, unknown>>;

describe('GetCustomer360 on the Hub services flow: the golden record through the cross-reference', () => {
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    server = undefined;
  });

  it('answers zeep by golden id or source ref with xrefs and lineage, and a zeep built from the old WSDL as before', async () => {
    const goldenId = await deployWithAnna();
    // the web saved a draft for Anna under SAP's number; the call center asks under the CRM's
    const store = await (helper.getNode('cfg-store') as unknown as HubStoreNode).ready;
    await store.putProcess({
      schemaVersion: '1.0',
      processId: '3f2e1d0c-9b8a-4765-a432-10fedcba9876',
      customerRef: 'sap:100001',
      kind: 'mortgage-application',
      startedOn: 'web',
      lastChannel: 'web',
      step: 'income-details',
      status: 'open',
      data: { loanAmount: 250000 },
      updatedAt: '2026-11-23T08:00:00Z',
    });
    const base = await serve();
    const script = `
import json, sys, zeep
from zeep.helpers import serialize_object
new = zeep.Client(sys.argv[1] + "?wsdl").service
old = zeep.Client(sys.argv[2]).create_service("{urn:crm-hub:hub:v1}CrmHubSoapBinding", sys.argv[1])
out = {
    "byGoldenId": new.GetCustomer360(customerRef=sys.argv[3], withGolden=True),
    "bySap": new.GetCustomer360(customerRef="sap:100001", withGolden=True),
    "plain": new.GetCustomer360(customerRef="sap:100001"),
    "standing": new.GetCustomer360(customerRef="crm:4711", withStanding=True),
    "oldClient": old.GetCustomer360(customerRef="crm:4711"),
}
try:
    new.GetCustomer360(customerRef="g-" + "0" * 26)
except zeep.exceptions.Fault as f:
    out["unknown"] = {"customer": {}, "fault": f.code + "|" + f.message}
print(json.dumps({k: serialize_object(v) for k, v in out.items()}, default=str))
`;
    const { stdout } = await run('/usr/bin/python3', ['-c', script, base, OLD_WSDL, goldenId]);
    const out = JSON.parse(stdout) as Zeep;

    // the golden attributes: tier from SAP, e-mail from the CRM, the address the call center heard
    const golden = {
      kind: 'person',
      givenName: 'Anna',
      familyName: 'Schmidt',
      tier: 'platinum',
      email: 'anna.schmidt@example.org',
      street: 'Leopoldstraße',
      houseNumber: '12',
      city: 'München',
    };
    expect(out.byGoldenId.customer).toMatchObject({
      ...golden,
      customerRef: `hub:${goldenId}`,
      sourceSystem: 'hub',
      sourceId: goldenId,
    });
    expect(out.byGoldenId.goldenId).toBe(goldenId);
    expect(out.byGoldenId.xrefs).toEqual(['crm:4711', 'sap:100001']);
    const lineage = out.byGoldenId.lineage as Record<string, unknown>[];
    expect(lineage.find((l) => l.attribute === 'tier')).toMatchObject({
      system: 'sap',
      sourceId: '100001',
      rule: 'sole-source',
      at: '2026-11-20 10:00:00+00:00',
    });
    expect(lineage.find((l) => l.attribute === 'addresses[0]')).toMatchObject({
      system: 'crm',
      sourceId: moved.eventId,
      rule: 'event',
      via: 'call-center',
      note: 'reported via call-center',
    });
    // asked by golden id, the history is every member's
    expect((out.byGoldenId.lastInteractions as { type: string }[]).map((i) => i.type)).toEqual([
      'address-changed',
    ]);

    expect(out.bySap.customer).toMatchObject({ ...golden, customerRef: 'sap:100001', sourceId: '100001' });
    expect(out.bySap).toMatchObject({ goldenId, xrefs: ['crm:4711', 'sap:100001'] });
    // without withGolden, the answer has only what the earlier WSDL knew
    expect(out.plain.customer).toMatchObject({ ...golden, customerRef: 'sap:100001' });
    expect(out.plain).toMatchObject({
      goldenId: null,
      xrefs: [],
      lineage: [],
      serviceLevel: null,
      openProcesses: [],
    });
    // withStanding: the service level (SAP's platinum tier) and the draft to resume, under any member
    expect(out.standing.serviceLevel).toMatchObject({
      level: 'premium',
      tier: 'platinum',
      openComplaints: 0,
      currency: 'EUR',
      reason: ['tier platinum: premium'],
    });
    expect(out.standing.openProcesses).toEqual([
      expect.objectContaining({
        processId: '3f2e1d0c-9b8a-4765-a432-10fedcba9876',
        customerRef: 'sap:100001',
        kind: 'mortgage-application',
        step: 'income-details',
        data: '{"loanAmount":250000}',
      }),
    ]);
    expect(out.oldClient.customer).toMatchObject({ ...golden, customerRef: 'crm:4711', sourceSystem: 'crm' });
    expect(Object.keys(out.oldClient)).toEqual(['customer', 'offers', 'lastInteractions']);
    expect(out.unknown.fault).toMatch(/^soap:Client\|.*knows no customer g-0{26}/);
  });

  it('answers what the hub holds whatever its length or size: SAP’s four name lines, a long event type, a big amount', async () => {
    await load(modules, shippedPath(tempDir('c360-long')));
    const store = await (helper.getNode('cfg-store') as unknown as HubStoreNode).ready;
    const intake = new GoldenIntake(store);
    const legalName = ['Muster Bau', 'Gesellschaft', 'mit beschränkter', 'Haftung']
      .map((l) => l.padEnd(35, '.'))
      .join(' ');
    expect(legalName.length).toBe(143);
    await applyWithGoldenRecord(store, intake, {
      schemaVersion: '1.0',
      customerRef: 'sap:4799',
      kind: 'organization',
      organization: { legalName },
      identifiers: [{ system: 'sap', id: '4799' }],
      updatedAt: '2026-11-20T10:00:00Z',
      source: { system: 'sap', operation: 'DEBMAS' },
    });
    const longType = 'verylongeventtype-'.repeat(4) + 'x';
    await store.recordInteraction({
      customerRef: 'sap:4799',
      eventId: '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9',
      type: longType,
      channel: 'branch',
      occurredAt: new Date().toISOString(),
      summary: { amount: { value: 1e22, currency: 'EUR' } },
    });
    const base = await serve();
    const script = `
import json, sys, zeep
from zeep.helpers import serialize_object
c = zeep.Client(sys.argv[1] + "?wsdl").service
print(json.dumps(serialize_object(c.GetCustomer360(customerRef="sap:4799", withStanding=True)), default=str))
`;
    const { stdout } = await run('/usr/bin/python3', ['-c', script, base]);
    const out = JSON.parse(stdout) as Record<string, unknown> & { customer: Record<string, unknown> };
    expect(out.customer.organizationName).toBe(legalName);
    expect(out.lastInteractions).toEqual([expect.objectContaining({ type: longType })]);
    // xsd:decimal has no exponent: 1e22 is written out, and zeep reads it back as that decimal
    expect(out.serviceLevel).toMatchObject({ level: 'premium', value: '10000000000000000000000' });
  });

  it('answers what REST answers for a customer the hub holds no record of: the offers and interactions, no attributes', async () => {
    await load(modules, shippedPath(tempDir('c360-no-record')));
    const store = await (helper.getNode('cfg-store') as unknown as HubStoreNode).ready;
    // the README's address change for crm:4711: an event and an offer, no customer record
    await store.recordInteraction({
      customerRef: 'crm:4711',
      eventId: moved.eventId,
      type: 'address-changed',
      channel: 'call-center',
      occurredAt: '2026-11-22T09:00:00Z',
    });
    await store.putOffer({
      offerId: 'o-mortgage-1',
      customerId: 'crm:4711',
      channel: 'web',
      action: 'web-offer',
      offer: 'mortgage',
      policyId: 'address-change-mortgage',
      eventId: moved.eventId,
      priority: 60,
      createdAt: '2026-11-22T09:00:01.000Z',
      status: 'open',
    });
    const base = await serve();
    const script = `
import json, sys, zeep
from zeep.helpers import serialize_object
out = {}
for name, client in (("new", zeep.Client(sys.argv[1] + "?wsdl").service),
                     ("old", zeep.Client(sys.argv[2]).create_service("{urn:crm-hub:hub:v1}CrmHubSoapBinding", sys.argv[1]))):
    out[name] = serialize_object(client.GetCustomer360(customerRef="crm:4711"))
try:
    zeep.Client(sys.argv[1] + "?wsdl").service.GetCustomer360(customerRef="crm:4712")
except zeep.exceptions.Fault as f:
    out["unknown"] = f.code + "|" + f.message
print(json.dumps(out, default=str))
`;
    const { stdout } = await run('/usr/bin/python3', ['-c', script, base, OLD_WSDL]);
    const out = JSON.parse(stdout) as Record<string, Record<string, unknown>> & { unknown: string };
    for (const client of ['new', 'old']) {
      expect({ client, ...out[client] }).toMatchObject({
        client,
        // no attributes: the customer is its reference alone (REST leaves customer out)
        customer: expect.objectContaining({
          customerRef: 'crm:4711',
          sourceSystem: 'crm',
          sourceId: '4711',
          kind: null,
          familyName: null,
          consents: [],
        }),
        offers: [expect.objectContaining({ offerId: 'o-mortgage-1', offer: 'mortgage', channel: 'web' })],
        lastInteractions: [expect.objectContaining({ type: 'address-changed', channel: 'call-center' })],
      });
    }
    // where REST answers 404, a fault; it says that a customer accepted moments ago may not be stored yet
    expect(out.unknown).toMatch(/^soap:Client\|.*field 'customerRef': the hub knows no customer crm:4712/);
    expect(out.unknown).toMatch(/accepted moments ago may not be stored yet/);
  });

  it("lists a switched-off policy's offers apart under heldBack when asked (zeep), and never as offers, for clients of every WSDL", async () => {
    await load(modules, shippedPath(tempDir('c360-held-back')));
    const store = await (helper.getNode('cfg-store') as unknown as HubStoreNode).ready;
    await store.putCustomer({
      customerRef: 'crm:4711',
      document: { customerRef: 'crm:4711', kind: 'person', person: { familyName: 'Schmidt' }, tier: 'gold' },
      updatedAt: '2026-11-21T10:00:00Z',
      sourceSystem: 'crm',
    });
    const offer = (offerId: string, policyId: string, createdAt: string) => ({
      offerId,
      customerId: 'crm:4711',
      channel: 'web',
      action: 'web-offer',
      offer: policyId,
      policyId,
      eventId: moved.eventId,
      priority: 60,
      createdAt,
      status: 'open' as const,
    });
    await store.putOffer(offer('o-card', 'platinum-card', '2026-11-22T09:00:01.000Z'));
    await store.putOffer(offer('o-mortgage', 'address-change-mortgage', '2026-11-22T09:00:02.000Z'));
    // the marketer switched the mortgage card off (the registry answers for deployed policy nodes)
    const switchedOff = jest
      .spyOn(hubRuntime.policyRegistry, 'isSwitchedOff')
      .mockImplementation((policyId: string) => policyId === 'address-change-mortgage');
    try {
      const base = await serve();
      const script = `
import json, sys, zeep
from zeep.helpers import serialize_object
new = zeep.Client(sys.argv[1] + "?wsdl").service
def old(wsdl):
    return zeep.Client(wsdl).create_service("{urn:crm-hub:hub:v1}CrmHubSoapBinding", sys.argv[1])
out = {
    "asked": new.GetCustomer360(customerRef="crm:4711", withHeldBack=True),
    "notAsked": new.GetCustomer360(customerRef="crm:4711"),
    "beforeHeldBack": old(sys.argv[2]).GetCustomer360(customerRef="crm:4711", withStanding=True),
    "beforeGolden": old(sys.argv[3]).GetCustomer360(customerRef="crm:4711"),
}
print(json.dumps({k: serialize_object(v) for k, v in out.items()}, default=str))
`;
      const { stdout } = await run('/usr/bin/python3', ['-c', script, base, BEFORE_HELD_BACK, OLD_WSDL]);
      const out = JSON.parse(stdout) as Record<string, Record<string, unknown>>;
      const offerIds = (o: Record<string, unknown>) =>
        (o.offers as { offerId: string }[]).map((x) => x.offerId);
      expect(offerIds(out.asked)).toEqual(['o-card']);
      expect(out.asked.heldBack).toEqual([
        {
          offerId: 'o-mortgage',
          offer: 'address-change-mortgage',
          channel: 'web',
          action: 'web-offer',
          priority: 60,
          expiresAt: null,
          policyId: 'address-change-mortgage',
          heldBack: 'switched-off',
        },
      ]);
      expect(offerIds(out.notAsked)).toEqual(['o-card']);
      expect(out.notAsked.heldBack).toEqual([]);
      // strict zeep clients of the earlier WSDLs get no element they do not know, and no held-back offer
      expect(offerIds(out.beforeHeldBack)).toEqual(['o-card']);
      expect(Object.keys(out.beforeHeldBack)).not.toContain('heldBack');
      expect(Object.keys(out.beforeGolden)).toEqual(['customer', 'offers', 'lastInteractions']);
      expect(offerIds(out.beforeGolden)).toEqual(['o-card']);
    } finally {
      switchedOff.mockRestore();
    }
  });

  it("answers the golden record's gaps under dataQuality when asked (zeep), and nothing new to clients of earlier WSDLs", async () => {
    await deployWithAnna();
    const store = await (helper.getNode('cfg-store') as unknown as HubStoreNode).ready;
    // a legacy record as SAP holds thousands: a street without a city, no given name, no contact
    await applyWithGoldenRecord(store, new GoldenIntake(store), {
      schemaVersion: '1.0',
      customerRef: 'sap:100002',
      kind: 'person',
      person: { familyName: 'Huber' },
      addresses: [{ type: 'postal', street: 'Ringstraße 7', country: 'DE' }],
      identifiers: [{ system: 'sap', id: '100002' }],
      updatedAt: '2026-11-20T10:00:00Z',
      source: { system: 'sap', operation: 'DEBMAS' },
    });
    const held = (await store.getGolden('sap:100002'))?.record.document.dataQuality;
    expect(held?.gaps).toEqual(expect.arrayContaining(['person.givenName', 'addresses[0].city', 'contact']));
    const base = await serve();
    const script = `
import json, sys, zeep
from zeep.helpers import serialize_object
new = zeep.Client(sys.argv[1] + "?wsdl").service
old = zeep.Client(sys.argv[2]).create_service("{urn:crm-hub:hub:v1}CrmHubSoapBinding", sys.argv[1])
out = {
    "gaps": new.GetCustomer360(customerRef="sap:100002", withDataQuality=True),
    "anna": new.GetCustomer360(customerRef="crm:4711", withDataQuality=True),
    "notAsked": new.GetCustomer360(customerRef="sap:100002"),
    "beforeDataQuality": old.GetCustomer360(customerRef="sap:100002", withHeldBack=True),
}
print(json.dumps({k: serialize_object(v) for k, v in out.items()}, default=str))
`;
    const { stdout } = await run('/usr/bin/python3', ['-c', script, base, BEFORE_DATA_QUALITY]);
    const out = JSON.parse(stdout) as Record<string, Record<string, unknown>>;
    expect(out.gaps.customer).toMatchObject({ familyName: 'Huber', street: 'Ringstraße 7', city: null });
    expect(out.gaps.dataQuality).toEqual({
      complete: false,
      score: String(held!.score),
      gap: held!.gaps,
      futureDated: [],
    });
    const anna = (await store.getGolden('crm:4711'))!.record.document.dataQuality!;
    expect(out.anna.dataQuality).toMatchObject({ complete: anna.complete, gap: anna.gaps });
    expect(out.notAsked.dataQuality).toBeNull();
    // a strict zeep client of the earlier WSDL gets no element it does not know
    expect(Object.keys(out.beforeDataQuality)).not.toContain('dataQuality');
    expect(out.beforeDataQuality.customer).toMatchObject({ familyName: 'Huber' });
  });

  it('answers node-soap for an SAP number with its zeros, and refuses an id of neither form', async () => {
    const goldenId = await deployWithAnna();
    const base = await serve();
    type Client = Record<string, (args: unknown) => Promise<[Record<string, unknown>]>>;
    const client = (await soap.createClientAsync(`${base}?wsdl`)) as unknown as Client;
    const [padded] = await client.GetCustomer360Async({ customerRef: 'sap:0000100001', withGolden: true });
    expect(padded.customer).toMatchObject({ customerRef: 'sap:100001', tier: 'platinum' });
    expect(padded.goldenId).toBe(goldenId);
    const refused = await client.GetCustomer360Async({ customerRef: 'x-4711' }).then(
      () => undefined,
      (err: { root?: { Envelope?: { Body?: { Fault?: { faultstring?: string } } } } }) => err,
    );
    expect(refused?.root?.Envelope?.Body?.Fault?.faultstring).toContain('customerRef');
  });
});
