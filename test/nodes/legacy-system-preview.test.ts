import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { all, captured, load, useHelper } from './harness';

useHelper();

const accounts = readFileSync(join(__dirname, '..', 'fixtures', 'cli', 'accounts.spec.json'), 'utf8');
const header = 'Kontonummer;Kunde;Art;Waehrung;Saldo;Status;Eroeffnet;Stand';
const preview = () => request(captured.red!.httpAdmin).post('/crm-hub/legacy-system/preview');

describe('POST /crm-hub/legacy-system/preview', () => {
  beforeEach(async () => {
    await load(all, [{ id: 'sys', type: 'legacy-system', systemId: 'crm', mapping: '' }]);
  });

  it('maps a CSV sample with the dialog mapping, ok and rejected records side by side', async () => {
    const sample = `${header}\n0012345678;4711;GIRO;EUR;-1.234,50;A;01.02.2010;15.03.2024\n0012345681;4713;BAUS;EUR;0,00;A;;15.03.2024\n`;
    const res = await preview().send({ mapping: accounts, direction: 'inbound', sample });
    expect(res.status).toBe(200);
    expect(res.body.recordKind).toBe('ACCOUNT');
    expect(res.body.results).toEqual([
      {
        ref: 'line 2',
        ok: true,
        value: expect.objectContaining({ accountRef: 'core-banking:0012345678', type: 'current' }),
      },
      {
        ref: 'line 3',
        ok: false,
        error: expect.objectContaining({ field: 'type', sourceField: 'Art', rule: 'code', record: 'line 3' }),
      },
    ]);
  });

  it('maps a SOAP envelope with the shipped spec of the system id', async () => {
    const sample = `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:crm="urn:crm-hub:crm">
      <soapenv:Body><crm:ReportAddressChange><crm:customerNumber>4711</crm:customerNumber><crm:street>Leopoldstraße 12</crm:street>
      <crm:postalCode>80802</crm:postalCode><crm:city>München</crm:city><crm:country></crm:country></crm:ReportAddressChange>
      </soapenv:Body></soapenv:Envelope>`;
    const res = await preview().send({ systemId: 'crm', direction: 'inbound', sample });
    expect(res.status).toBe(200);
    expect(res.body.results).toEqual([
      {
        ref: 'envelope',
        ok: false,
        error: expect.objectContaining({
          field: 'data.address.country',
          sourceField: 'country',
          rule: 'required',
        }),
      },
    ]);
  });

  it('maps canonical JSON outbound and returns the legacy file', async () => {
    const account = {
      schemaVersion: '1.0',
      accountRef: 'core-banking:1',
      customerRef: 'core-banking:4711',
      type: 'loan',
      currency: 'EUR',
      status: 'closed',
      identifiers: [{ system: 'core-banking', id: '1' }],
      updatedAt: '2024-03-15T00:00:00Z',
      source: { system: 'core-banking' },
    };
    const res = await preview().send({
      mapping: accounts,
      direction: 'outbound',
      recordKind: 'ACCOUNT',
      sample: JSON.stringify(account),
    });
    expect(res.status).toBe(200);
    expect(res.body.results[0]).toMatchObject({
      ref: 'document',
      ok: true,
      value: { Art: 'KRED', Status: 'S' },
    });
    expect(res.body.output).toBe(`${header}\r\n1;4711;KRED;EUR;;S;;15.03.2024\r\n`);
  });

  it.each([
    [{ mapping: accounts, sample: 'x' }, 400, 'direction', 'direction must be "inbound" or "outbound"'],
    [
      { mapping: accounts, direction: 'inbound', sample: '  ' },
      400,
      'sample',
      'sample must be a non-empty text',
    ],
    [{ direction: 'inbound', sample: 'x' }, 400, 'systemId', 'give systemId (a shipped spec) or mapping'],
    [{ mapping: '{ nope', direction: 'inbound', sample: 'x' }, 400, 'mapping', 'mapping is not valid JSON'],
    [
      { systemId: 'no-such-system', direction: 'inbound', sample: 'x' },
      404,
      'systemId',
      'no shipped mapping spec for system "no-such-system"',
    ],
    [
      { mapping: accounts, direction: 'inbound', sample: 'x', recordKind: 7 },
      400,
      'recordKind',
      'recordKind must be a text',
    ],
  ])('refuses %j with %i naming the field', async (body, status, field, message) => {
    const res = await preview().send(body);
    expect(res.status).toBe(status);
    expect(res.body).toMatchObject({ error: 'invalid-request', field });
    expect(res.body.message).toContain(message);
  });

  it('answers 422 naming the problem of a mapping that does not compile', async () => {
    const res = await preview().send({
      mapping: accounts,
      direction: 'inbound',
      recordKind: 'NOPE',
      sample: header,
    });
    expect(res.status).toBe(422);
    expect(res.body).toEqual({
      error: 'invalid-mapping',
      message: 'mapping core-banking/NOPE: no such record kind (known: ACCOUNT)',
    });
  });

  it('refuses a body over 256 kB in JSON, and one that is not JSON', async () => {
    const big = await preview().send({
      mapping: accounts,
      direction: 'inbound',
      sample: 'x'.repeat(300 * 1024),
    });
    expect(big.status).toBe(413);
    expect(big.body).toEqual({ error: 'too-large', message: 'the preview body is limited to 256 kB' });
    const broken = await preview().set('Content-Type', 'application/json').send('{"direction":');
    // the admin app's own parser may answer first; either way it is a 400, never a preview
    expect(broken.status).toBe(400);
    expect(broken.body.results).toBeUndefined();
  });
});
