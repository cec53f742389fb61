import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { renderResponse } from '../../connectors/soap/serialize';
import { SoapServer } from '../../connectors/soap/soap-server';
import type { SoapCall, SoapReply, WsdlDefinition } from '../../connectors/soap/types';
import { loadWsdlFileSync } from '../../connectors/soap/wsdl';

const run = promisify(execFile);
const WSDL_DIR = join(__dirname, '../../connectors/soap/wsdl');
const HUB = 'urn:crm-hub:hub:v1';

const customer = {
  customerRef: 'crm:4711',
  sourceSystem: 'crm',
  sourceId: '4711',
  kind: 'person',
  givenName: 'Anna',
  familyName: 'Müller & Söhne',
  birthDate: '1980-02-29',
  tier: 'platinum',
  email: 'anna@example.org',
  country: 'DE',
  consents: [
    { channel: 'email', purpose: 'marketing', status: 'granted' },
    { channel: 'sms', purpose: 'marketing', status: 'withdrawn' },
  ],
};
const mortgage = {
  offerId: 'o-1',
  offer: 'Mortgage 2.9%',
  channel: 'web',
  action: 'web-offer',
  priority: 80,
  expiresAt: '2030-02-01T00:00:00Z',
};

/** A valid canned reply for every operation; what the flow would answer. */
const replies: Record<string, Record<string, unknown>> = {
  UpsertCustomer: { customerRef: 'crm:4711', eventId: 'evt-upsert', accepted: true },
  ReportInteraction: { eventId: 'evt-interaction', accepted: true },
  GetCustomer360: {
    customer,
    offers: [
      mortgage,
      { ...mortgage, offerId: 'o-2', offer: 'Credit card', priority: 10, expiresAt: undefined },
    ],
    lastInteractions: [{ type: 'withdrawal', channel: 'branch', occurredAt: '2030-01-02T03:04:05Z' }],
    // what the flow answers to withHeldBack: a switched-off policy's offer, listed apart
    heldBack: [
      {
        ...mortgage,
        offerId: 'o-3',
        offer: 'Mortgage 3.1%',
        policyId: 'address-change-mortgage',
        heldBack: 'switched-off',
      },
    ],
  },
  GetNextBestOffer: {
    offer: mortgage,
    explanation: 'address changed within 30 days',
    point: 'home',
    offers: [
      {
        rank: 1,
        offerId: 'o-1',
        policyId: 'address-change-mortgage',
        offer: 'Mortgage 2.9%',
        title: { de: 'Hypothek', en: 'Mortgage' },
        priority: 80,
        action: 'web-offer',
        channel: 'web',
        source: 'stored',
        createdAt: '2030-01-02T03:04:05Z',
        expiresAt: '2030-02-01T00:00:00Z',
        reasons: [
          { condition: 'open offer decided on event e-1', held: true, actual: '2030-01-02T03:04:05Z' },
        ],
      },
      {
        rank: 2,
        offerId: 'o-9',
        policyId: 'young-families-mortgage',
        offer: 'Family mortgage',
        priority: 60,
        score: 0.42,
        action: 'web-offer',
        channel: 'web',
        source: 'lurking',
        createdAt: '2030-01-02T03:04:06Z',
        reasons: [
          { condition: 'customer.segment == "young-families"', held: true, actual: 'young-families' },
          { condition: 'via web', held: true },
        ],
      },
    ],
  },
};

/** What the flow answers when nothing applies and a default offer is configured. */
const noOffer = {
  explanation: 'default offer newsletter: no open offer on web for crm:0',
  defaultOffer: {
    offer: 'newsletter',
    action: 'web-offer',
    title: { en: 'Our newsletter' },
    reason: 'no open offer on web for crm:0',
  },
};

describe('hub.wsdl served by SoapServer', () => {
  let def: WsdlDefinition;
  let server: http.Server;
  let base: string;
  const calls: SoapCall[] = [];

  beforeAll(async () => {
    def = loadWsdlFileSync(join(WSDL_DIR, 'hub.wsdl'));
    const soap = new SoapServer({ mountPath: '/soap' });
    soap.addService('hub', def, async (call): Promise<SoapReply> => {
      calls.push(call);
      const none = call.operation === 'GetNextBestOffer' && call.body.customerRef === 'crm:0';
      return { ok: true, body: none ? noOffer : replies[call.operation] };
    });
    server = http.createServer((req, res) => {
      req.url = (req.url ?? '/').replace(/^\/soap/, '');
      void soap.handle(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/soap/hub`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('serves the WSDL at /soap/hub?wsdl with the address the client used', async () => {
    const res = await fetch(`${base}?wsdl`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain(`<soap:address location="${base}"/>`);
    expect(text).toContain(`targetNamespace="${HUB}"`);
  });

  it('answers python zeep on every operation over SOAP 1.1', async () => {
    const script = `
import datetime, decimal, json, sys, zeep
from zeep.helpers import serialize_object
client = zeep.Client(sys.argv[1] + "?wsdl")
svc = client.bind("CrmHubService", "CrmHubSoap")
utc = datetime.timezone.utc
out = {}
out["UpsertCustomer"] = svc.UpsertCustomer(customer={
    "sourceSystem": "crm", "sourceId": "4711", "kind": "person", "givenName": "Anna",
    "birthDate": datetime.date(1980, 2, 29), "tier": "gold", "country": "DE",
    "consents": [{"channel": "email", "purpose": "marketing", "status": "granted"},
                 {"channel": "sms", "purpose": "service", "status": "denied"}]})
out["ReportInteraction"] = svc.ReportInteraction(
    type="withdrawal", channel="branch", customerRef="crm:4711",
    occurredAt=datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=utc), amount=decimal.Decimal("12000.50"),
    currency="EUR", details=[{"key": "atm", "value": "A-17"}, {"key": "branch", "value": "Munich"}])
out["GetCustomer360"] = svc.GetCustomer360(customerRef="crm:4711", withHeldBack=True)
out["GetNextBestOffer"] = svc.GetNextBestOffer(customerRef="crm:4711", channel="web", point="home", limit=3)
# as callers written before point and limit existed ask
out["NoOffer"] = svc.GetNextBestOffer(customerRef="crm:0", channel="web")
print(json.dumps({k: serialize_object(v) for k, v in out.items()}, default=str))
`;
    const before = calls.length;
    const { stdout } = await run('/usr/bin/python3', ['-c', script, base]);
    const out = JSON.parse(stdout) as Record<string, Record<string, unknown>>;

    expect(out.UpsertCustomer).toEqual({ customerRef: 'crm:4711', eventId: 'evt-upsert', accepted: true });
    expect(out.ReportInteraction).toEqual({ eventId: 'evt-interaction', accepted: true });
    const c360 = out.GetCustomer360 as {
      customer: Record<string, unknown>;
      offers: Record<string, unknown>[];
      lastInteractions: Record<string, unknown>[];
      heldBack: Record<string, unknown>[];
    };
    expect(c360.customer).toMatchObject({
      customerRef: 'crm:4711',
      familyName: 'Müller & Söhne',
      birthDate: '1980-02-29',
      tier: 'platinum',
      consents: customer.consents,
    });
    expect(c360.offers.map((o) => [o.offerId, o.priority, o.expiresAt])).toEqual([
      ['o-1', 80, '2030-02-01 00:00:00+00:00'],
      ['o-2', 10, null],
    ]);
    expect(c360.lastInteractions).toEqual([
      { type: 'withdrawal', channel: 'branch', occurredAt: '2030-01-02 03:04:05+00:00' },
    ]);
    expect(c360.heldBack).toEqual([
      {
        offerId: 'o-3',
        offer: 'Mortgage 3.1%',
        channel: 'web',
        action: 'web-offer',
        priority: 80,
        expiresAt: '2030-02-01 00:00:00+00:00',
        policyId: 'address-change-mortgage',
        heldBack: 'switched-off',
      },
    ]);
    expect(out.GetNextBestOffer).toMatchObject({
      offer: { offerId: 'o-1', action: 'web-offer' },
      explanation: 'address changed within 30 days',
      point: 'home',
      defaultOffer: null,
    });
    const ranked = out.GetNextBestOffer.offers as Record<string, unknown>[];
    expect(ranked.map((o) => [o.rank, o.offerId, o.source, o.priority, o.score])).toEqual([
      [1, 'o-1', 'stored', 80, null],
      [2, 'o-9', 'lurking', 60, 0.42],
    ]);
    expect(ranked[0].title).toEqual({ de: 'Hypothek', en: 'Mortgage' });
    expect(ranked[1].reasons).toEqual([
      { condition: 'customer.segment == "young-families"', held: true, actual: 'young-families' },
      { condition: 'via web', held: true, actual: null },
    ]);
    expect(out.NoOffer).toMatchObject({
      offer: null,
      offers: [],
      defaultOffer: { offer: 'newsletter', reason: 'no open offer on web for crm:0' },
    });

    const seen = calls.slice(before);
    expect(seen.map((c) => [c.operation, c.version])).toEqual([
      ['UpsertCustomer', '1.1'],
      ['ReportInteraction', '1.1'],
      ['GetCustomer360', '1.1'],
      ['GetNextBestOffer', '1.1'],
      ['GetNextBestOffer', '1.1'],
    ]);
    // the new request fields arrive as the flow reads them; the old call sends neither
    expect(seen[3].body).toEqual({ customerRef: 'crm:4711', channel: 'web', point: 'home', limit: '3' });
    expect(seen[4].body).toEqual({ customerRef: 'crm:0', channel: 'web' });
    expect(seen[0].body.customer).toMatchObject({ birthDate: '1980-02-29', tier: 'gold', kind: 'person' });
    expect((seen[0].body.customer as { consents: unknown[] }).consents).toHaveLength(2);
    expect(seen[1].body).toMatchObject({
      amount: '12000.50',
      currency: 'EUR',
      details: [
        { key: 'atm', value: 'A-17' },
        { key: 'branch', value: 'Munich' },
      ],
    });
    expect(String(seen[1].body.occurredAt)).toMatch(/^2030-01-02T03:04:05(\+00:00|Z)$/);
  });

  it('refuses a SOAPAction that names another operation than the body’s: a write never passes as a read', async () => {
    const upsert =
      '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>' +
      `<h:UpsertCustomer xmlns:h="${HUB}"><h:customer><h:sourceSystem>crm</h:sourceSystem>` +
      '<h:sourceId>4711</h:sourceId><h:kind>person</h:kind></h:customer></h:UpsertCustomer></s:Body></s:Envelope>';
    const send = (action: string) =>
      fetch(base, {
        method: 'POST',
        headers: { 'content-type': 'text/xml', soapaction: action },
        body: upsert,
      });
    const before = calls.length;
    const res = await send(`"${HUB}/GetCustomer360"`);
    expect(res.status).toBe(500);
    expect(await res.text()).toContain(
      `SOAPAction &apos;${HUB}/GetCustomer360&apos; names operation &apos;GetCustomer360&apos;, but the body holds &lt;UpsertCustomer&gt; of operation &apos;UpsertCustomer&apos;`,
    );
    expect(calls.length).toBe(before);
    // its own action, one the WSDL does not know, or none: the body decides, as before
    for (const action of [`"${HUB}/UpsertCustomer"`, '"urn:unknown"', '""']) {
      expect({ action, status: (await send(action)).status }).toEqual({ action, status: 200 });
    }
    expect(calls.length).toBe(before + 3);
  });

  it('takes an operation whose WSDL gives every operation one soapAction, as many vendors do', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crm-hub-shared-action-'));
    try {
      const shared = readFileSync(join(WSDL_DIR, 'hub.wsdl'), 'utf8').replace(
        /soapAction="[^"]*"/g,
        `soapAction="${HUB}/Any"`,
      );
      writeFileSync(join(dir, 'hub.wsdl'), shared);
      const soap = new SoapServer({ mountPath: '/soap' });
      const seen: string[] = [];
      soap.addService('hub', loadWsdlFileSync(join(dir, 'hub.wsdl')), async (call): Promise<SoapReply> => {
        seen.push(call.operation);
        return { ok: true, body: replies[call.operation] };
      });
      const one = http.createServer((req, res) => {
        req.url = (req.url ?? '/').replace(/^\/soap/, '');
        void soap.handle(req, res);
      });
      await new Promise<void>((resolve) => one.listen(0, '127.0.0.1', resolve));
      try {
        const res = await fetch(`http://127.0.0.1:${(one.address() as AddressInfo).port}/soap/hub`, {
          method: 'POST',
          headers: { 'content-type': 'text/xml', soapaction: `"${HUB}/Any"` },
          body:
            '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>' +
            `<h:GetNextBestOffer xmlns:h="${HUB}"><h:customerRef>crm:4711</h:customerRef><h:channel>web</h:channel>` +
            '</h:GetNextBestOffer></s:Body></s:Envelope>',
        });
        expect(res.status).toBe(200);
        expect(seen).toEqual(['GetNextBestOffer']);
      } finally {
        one.closeAllConnections();
        await new Promise<void>((resolve) => one.close(() => resolve()));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a limit beyond 10 with a client fault naming limit', async () => {
    const res = await fetch(base, {
      method: 'POST',
      headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${HUB}/GetNextBestOffer"` },
      body:
        '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>' +
        `<h:GetNextBestOffer xmlns:h="${HUB}"><h:customerRef>crm:4711</h:customerRef><h:channel>web</h:channel>` +
        '<h:limit>11</h:limit></h:GetNextBestOffer></s:Body></s:Envelope>',
    });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).toMatch(/faultcode[^>]*>[^<]*Client/);
    expect(text).toContain('<f:field>limit</f:field>');
    expect(text).toContain('must be at most 10');
  });

  it('gives zeep a client fault naming the field for an invalid enumeration', async () => {
    const script = `
import sys, zeep
client = zeep.Client(sys.argv[1] + "?wsdl")
try:
    client.service.UpsertCustomer(customer={"sourceSystem": "crm", "sourceId": "1", "kind": "robot"})
except zeep.exceptions.Fault as f:
    print(f.code + "|" + f.message)
`;
    const { stdout } = await run('/usr/bin/python3', ['-c', script, base]);
    expect(stdout.trim()).toBe(
      "soap:Client|Invalid request: field 'customer.kind' must be one of 'person', 'organization'",
    );
  });
});

describe('hub.wsdl schema and tools', () => {
  let dir: string;
  let def: WsdlDefinition;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'soap-hub-xsd-'));
    def = loadWsdlFileSync(join(WSDL_DIR, 'hub.wsdl'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function requestInstance(element: string, inner: string): string {
    return `<h:${element} xmlns:h="${HUB}">${inner}</h:${element}>`;
  }

  async function xmllint(files: string[]): Promise<{ stderr: string; code: number }> {
    try {
      const { stderr } = await run('xmllint', ['--noout', '--schema', join(dir, 'hub.xsd'), ...files]);
      return { stderr, code: 0 };
    } catch (err) {
      const e = err as { stderr: string; code: number };
      return { stderr: e.stderr, code: e.code };
    }
  }

  it('embeds an XML Schema that accepts sample requests and every rendered reply', async () => {
    const schema = /<xsd:schema[\s\S]*<\/xsd:schema>/.exec(def.text)?.[0] ?? '';
    writeFileSync(
      join(dir, 'hub.xsd'),
      schema.replace(
        '<xsd:schema',
        `<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:tns="${HUB}"`,
      ),
    );
    const samples: Record<string, string> = {
      UpsertCustomer: requestInstance(
        'UpsertCustomer',
        '<h:customer><h:sourceSystem>crm</h:sourceSystem><h:sourceId>4711</h:sourceId><h:kind>organization</h:kind>' +
          '<h:organizationName>ACME GmbH</h:organizationName><h:tier>silver</h:tier><h:country>AT</h:country>' +
          '<h:consents><h:channel>email</h:channel><h:purpose>news</h:purpose><h:status>granted</h:status></h:consents>' +
          '</h:customer>',
      ),
      ReportInteraction: requestInstance(
        'ReportInteraction',
        '<h:type>address-changed</h:type><h:channel>call-center</h:channel><h:customerRef>crm:4711</h:customerRef>' +
          '<h:occurredAt>2030-01-02T03:04:05Z</h:occurredAt><h:amount>10.5</h:amount><h:currency>EUR</h:currency>' +
          '<h:details><h:key>k</h:key><h:value>v</h:value></h:details>',
      ),
      GetCustomer360: requestInstance(
        'GetCustomer360',
        '<h:customerRef>crm:4711</h:customerRef><h:withHeldBack>true</h:withHeldBack>',
      ),
      GetNextBestOffer: requestInstance(
        'GetNextBestOffer',
        '<h:customerRef>crm:4711</h:customerRef><h:channel>web</h:channel><h:point>home</h:point><h:limit>3</h:limit>',
      ),
    };
    const files: string[] = [];
    for (const [name, xml] of Object.entries(samples)) {
      const op = def.operations.get(name);
      if (!op) throw new Error(`operation ${name} missing`);
      files.push(join(dir, `${name}.xml`), join(dir, `${name}Response.xml`));
      writeFileSync(join(dir, `${name}.xml`), xml);
      const reply = renderResponse(def, op, replies[name], '1.1');
      const element =
        new RegExp(`<tns:${name}Response[\\s\\S]*</tns:${name}Response>`).exec(reply)?.[0] ?? '';
      writeFileSync(join(dir, `${name}Response.xml`), element);
    }
    const ok = await xmllint(files);
    expect(ok.code).toBe(0);
    for (const file of files) expect(ok.stderr).toContain(`${file} validates`);

    writeFileSync(join(dir, 'bad.xml'), samples.UpsertCustomer.replace('organization<', 'robot<'));
    const bad = await xmllint([join(dir, 'bad.xml')]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/kind.*not an element of the set/);
  });

  it.each(['hub.wsdl', 'crm.wsdl'])('is read by gSOAP wsdl2h without errors: %s', async (file) => {
    const out = join(dir, `${file}.h`);
    const { stdout, stderr } = await run('wsdl2h', ['-o', out, join(WSDL_DIR, file)], { cwd: dir });
    expect(`${stdout}${stderr}`).not.toMatch(/error/i);
    expect(`${stdout}${stderr}`).toContain(`Done reading '${join(WSDL_DIR, file)}'`);
  });
});
