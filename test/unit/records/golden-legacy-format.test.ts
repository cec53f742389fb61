import fs from 'node:fs';
import path from 'node:path';
import iconv from 'iconv-lite';
import type { BusMessage } from '../../../connectors/amqp/bus';
import { decodeBody } from '../../../connectors/amqp/consume-config';
import { parseIdocXml } from '../../../formats/idoc/idoc';
import { RecordEncodeError } from '../../../formats/record-streams/record-sink';
import { compileMapping, compileOutbound, loadSystemSpec } from '../../../mappings/engine';
import type { SystemSpec } from '../../../mappings/mapping-types';
import type { Customer } from '../../../mappings/canonical/types';
import { targetView } from '../../../records/golden-fan-out';
import { LegacyFormat, splitInboundKey } from '../../../records/golden-legacy-format';
import { debmas, salesforceContact, siebelContact, type PersonVersion } from '../../e2e/sync-fixtures';

const anna: PersonVersion = {
  given: 'Anna',
  family: 'Schmidt',
  street: 'Leopoldstraße 12',
  postalCode: '80802',
  city: 'München',
  country: 'DE',
  phone: '+49 89 1234567',
  at: new Date('2026-03-01T10:15:30Z'),
};

async function canonical(system: string, body: Buffer | object, type = ''): Promise<Customer> {
  const spec = loadSystemSpec(system);
  const [item] = await new LegacyFormat(spec).decode(body, type);
  if (!('record' in item)) throw new Error(item.error);
  const mapped = compileMapping(spec, item.recordKind).map(item.record);
  if (!mapped.ok) throw new Error(mapped.error.message);
  return mapped.value as unknown as Customer;
}

describe('LegacyFormat: messages on the bus in a system format', () => {
  it('reads a DEBMAS07 IDoc as SAP sends it, with its record kind from MSGFN', async () => {
    const spec = loadSystemSpec('sap');
    const items = await new LegacyFormat(spec).decode(Buffer.from(debmas('80042', anna)), 'DEBMAS');
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ recordKind: 'DEBMAS', record: { E1KNA1M: { KUNNR: '0000080042' } } });
    const deletion = debmas('80042', anna).replace('<MSGFN>004</MSGFN>', '<MSGFN>003</MSGFN>');
    expect((await new LegacyFormat(spec).decode(Buffer.from(deletion)))[0]).toMatchObject({
      recordKind: 'DEBMAS_DELETE',
    });
  });

  it('maps the three shipped systems to canonical customers with their own source keys and times', async () => {
    const sap = await canonical('sap', Buffer.from(debmas('80042', anna)));
    expect(sap).toMatchObject({
      customerRef: 'sap:80042',
      person: { givenName: 'Anna', familyName: 'Schmidt' },
      addresses: [{ street: 'Leopoldstraße', houseNumber: '12', postalCode: '80802', city: 'München' }],
      updatedAt: '2026-03-01T10:15:30.000Z',
    });
    const siebel = await canonical('siebel', Buffer.from(siebelContact('1-ABC', anna)));
    expect(siebel).toMatchObject({
      customerRef: 'siebel:1-ABC',
      addresses: [{ city: 'München', country: 'DE' }],
    });
    expect(Date.parse(siebel.updatedAt)).toBe(anna.at.getTime());
    // a JSON body arrives parsed (amqp-in); a query response keeps its records under recordsPath
    const one = salesforceContact('003A', anna);
    expect((await canonical('salesforce', one)).customerRef).toBe('salesforce:003A');
    const page = await new LegacyFormat(loadSystemSpec('salesforce')).decode({ records: [one, one] });
    expect(page.map((i) => ('recordKind' in i ? i.recordKind : i.error))).toEqual(['Contact', 'Contact']);
  });

  it('refuses what it cannot read record by record, with the reason, and never throws', async () => {
    const format = new LegacyFormat(loadSystemSpec('sap'));
    const [broken] = await format.decode(Buffer.from('<DEBMAS07><IDOC BEGIN="1">'));
    expect(broken).toMatchObject({ error: expect.stringMatching(/well-formed|IDOC/) });
    // a SOAP system names the record kind in the routing key's message type
    const hub = new LegacyFormat(loadSystemSpec('hub'));
    expect(await hub.decode({ customerRef: 'x' }, 'UpsertCustomer')).toMatchObject([
      { recordKind: 'UpsertCustomer' },
    ]);
    expect((await hub.decode({ customerRef: 'x' }, 'Nope'))[0]).toMatchObject({
      error: expect.stringContaining("message type 'Nope'"),
    });
  });

  it('writes the golden view back as the target system receives it: a DEBMAS07 update IDoc for SAP', async () => {
    const golden = { ...(await canonical('salesforce', salesforceContact('003A', anna))) };
    golden.identifiers = [...golden.identifiers, { system: 'sap', id: '80042' }];
    const view = targetView(golden, { system: 'sap', sourceId: '80042' });
    expect(view.customerRef).toBe('sap:80042');
    expect(view.identifiers[0]).toEqual({ system: 'sap', id: '80042' });
    const spec = loadSystemSpec('sap');
    const mapped = compileOutbound(spec, 'DEBMAS').map(view);
    if (!mapped.ok) throw new Error(mapped.error.message);
    const format = new LegacyFormat(spec);
    const document = format.encode(mapped.value);
    expect(document.contentType).toBe('application/xml');
    const [idoc] = parseIdocXml(document.body);
    expect(idoc.control).toMatchObject({ IDOCTYP: 'DEBMAS07', MESTYP: 'DEBMAS' });
    expect(idoc.segments.E1KNA1M[0]).toMatchObject({
      MSGFN: '004',
      KUNNR: '0000080042',
      STRAS: 'Leopoldstraße 12',
      PSTLZ: '80802',
      ORT01: 'München',
    });
    // and SAP reads it back as the same customer (SAP stamps CREDAT and CRETIM when it takes the IDoc)
    const stamped = String(document.body).replace(
      '</EDI_DC40>',
      '<CREDAT>20260301</CREDAT><CRETIM>101530</CRETIM></EDI_DC40>',
    );
    expect(await canonical('sap', Buffer.from(stamped))).toMatchObject({
      customerRef: 'sap:80042',
      addresses: [{ street: 'Leopoldstraße', houseNumber: '12', city: 'München' }],
    });
    expect(new LegacyFormat(loadSystemSpec('salesforce')).encode({ Id: '003A' })).toEqual({
      body: '{"Id":"003A"}',
      contentType: 'application/json',
    });
  });

  it('writes CSV and fixed width as bytes in the spec charset, with every column of the outbound rules', () => {
    const cli = path.join(__dirname, '..', '..', 'fixtures', 'cli');
    const spec = (name: string) => JSON.parse(fs.readFileSync(path.join(cli, name), 'utf8')) as SystemSpec;
    const csv = new LegacyFormat(spec('oldcrm.spec.json'), cli);
    const row = csv.encode({ KdNr: '1001', Vorname: 'Jürgen', Nachname: 'Weiß €' });
    expect(row.contentType).toBe('text/csv; charset=windows-1252');
    expect(Buffer.isBuffer(row.body)).toBe(true);
    expect(iconv.decode(row.body as Buffer, 'windows-1252')).toBe(
      'Anrede;KdNr;Vorname;Nachname;EMail\r\n;1001;Jürgen;Weiß €;\r\n',
    );
    expect(() => csv.encode({ KdNr: '1002', Vorname: 'Łukasz' })).toThrow(
      new RecordEncodeError('Vorname', '"Ł" (U+0141) cannot be written in windows-1252'),
    );
    const fixed = new LegacyFormat(spec('oldcrm-fixed.spec.json'), cli);
    const line = fixed.encode({ kdnr: '1001', vorname: 'Jürgen', nachname: 'Weiß €' }, 'KUNDE');
    expect(line.contentType).toBe('text/plain; charset=windows-1252');
    expect(line.body).toHaveLength(82); // 80 bytes and CRLF, one byte per character
    expect(iconv.decode(line.body as Buffer, 'windows-1252')).toMatch(/^1001 {4}Jürgen {24}Weiß € /);
  });

  it('splits an inbound routing key into system and message type', () => {
    expect(splitInboundKey('sap.DEBMAS')).toEqual({ system: 'sap', messageType: 'DEBMAS' });
    expect(splitInboundKey('sap')).toEqual({ system: 'sap', messageType: '' });
  });
});

const FIXTURES = path.join(__dirname, '..', '..', 'fixtures', 'legacy');
/** An old CRM that exports customers as CSV in windows-1252 (the spec says so) onto crm.inbound. */
const oldCrm = JSON.parse(
  fs.readFileSync(path.join(FIXTURES, 'old-crm', 'old-crm.json'), 'utf8'),
) as SystemSpec;
const header = 'Kundennummer;Vorname;Nachname;Ort;Land;Geaendert\n';
const row = (id: string, family = 'Schäfer', city = 'Köln') =>
  `${id};Jörg;${family};${city};de;2026-03-01T09:00:00Z\n`;
const cp1252 = (text: string) => iconv.encode(text, 'windows-1252');

/** What legacy-decode gets from amqp-in (Output "auto") for a body of this content type. */
function fromAmqpIn(body: Buffer, contentType?: string): Buffer | string | object {
  const decoded = decodeBody({ body, ...(contentType ? { contentType } : {}) } as unknown as BusMessage);
  if (!decoded.ok) throw new Error(decoded.reason);
  return decoded.value as Buffer | string | object;
}

const recordsOf = (items: Awaited<ReturnType<LegacyFormat['decode']>>) =>
  items.map((i) => ('record' in i ? i.record : { error: i.error, ref: i.ref }));

describe('LegacyFormat: the bytes decide, whatever the content type', () => {
  it("reads a windows-1252 CSV sent as text/csv or with no type by the spec's encoding", async () => {
    const csv = cp1252(header + row('1001'));
    for (const type of ['text/csv', undefined, 'application/octet-stream']) {
      const items = await new LegacyFormat(oldCrm).decode(fromAmqpIn(csv, type), 'Kunde', {
        contentType: type,
      });
      expect({ type, records: recordsOf(items) }).toEqual({
        type,
        records: [expect.objectContaining({ Nachname: 'Schäfer', Ort: 'Köln' })],
      });
    }
  });

  it('reads an ISO-8859-1 IDoc sent as text/xml by its XML declaration', async () => {
    const idoc = fs.readFileSync(path.join(FIXTURES, 'sap', 'debmas07-definition-names-latin1.xml'));
    const [item] = await new LegacyFormat(loadSystemSpec('sap')).decode(
      fromAmqpIn(idoc, 'text/xml'),
      'DEBMAS',
      {
        contentType: 'text/xml',
      },
    );
    expect(item).toMatchObject({ record: { E1KNA1M: { NAME1: 'Zürcher Käserei AG', ORT01: 'Zürich' } } });
  });

  it("reads text (a string, no bytes of its own) as the text it is, whatever the spec's encoding", async () => {
    // a function node's string, or amqp-in's for a body labelled UTF-8: no content type reaches decode
    const items = await new LegacyFormat(oldCrm).decode(header + row('1001'), 'Kunde');
    expect(recordsOf(items)).toEqual([expect.objectContaining({ Nachname: 'Schäfer', Ort: 'Köln' })]);
  });

  it("takes the message's charset parameter before the spec's encoding", async () => {
    const utf8 = Buffer.from(header + row('1001'));
    const type = 'text/csv; charset=utf-8';
    const items = await new LegacyFormat(oldCrm).decode(fromAmqpIn(utf8, type), 'Kunde', {
      contentType: type,
    });
    expect(recordsOf(items)).toEqual([expect.objectContaining({ Nachname: 'Schäfer', Ort: 'Köln' })]);
    const latin = cp1252(header + row('1001'));
    const labelled = 'text/csv; charset="ISO-8859-1"';
    const again = await new LegacyFormat(oldCrm).decode(fromAmqpIn(latin, labelled), 'Kunde', {
      contentType: labelled,
    });
    expect(recordsOf(again)).toEqual([expect.objectContaining({ Nachname: 'Schäfer' })]);
  });
});

describe('LegacyFormat: record by record', () => {
  it('reads the good lines of a CSV around one with the wrong field count', async () => {
    const csv = cp1252(header + row('1001') + '1002;Jörg;Kurz\n' + row('1003', 'Müller'));
    const items = await new LegacyFormat(oldCrm).decode(csv, 'Kunde');
    expect(recordsOf(items)).toEqual([
      expect.objectContaining({ Kundennummer: '1001' }),
      { ref: 'line 3', error: expect.stringContaining('line 3: expected 6 fields') },
      expect.objectContaining({ Kundennummer: '1003', Nachname: 'Müller' }),
    ]);
  });

  it('reads the good IDocs of a packet around a malformed one, which it names by index and DOCNUM', async () => {
    const one = (kunnr: string, docnum: string) =>
      /<IDOC BEGIN="1">[\s\S]*<\/IDOC>/.exec(debmas(kunnr, anna, docnum))?.[0] ?? '';
    const broken = one('80043', '7').replace('<NAME1>', '<NAME1>Anna</NAME1><NAME1>');
    const packet = `<?xml version="1.0" encoding="UTF-8"?><DEBMAS07>${one('80042', '6')}${broken}${one('80044', '8')}</DEBMAS07>`;
    const items = await new LegacyFormat(loadSystemSpec('sap')).decode(Buffer.from(packet), 'DEBMAS');
    expect(items.map((i) => ('record' in i ? i.ref : `${i.ref} ! ${i.error}`))).toEqual([
      'IDOC[0] DOCNUM 0000000000000006',
      expect.stringMatching(
        /^IDOC\[1\] DOCNUM 0000000000000007 ! IDOC\[1\] segment E1KNA1M\[0\]: field NAME1 occurs more than once/,
      ),
      'IDOC[2] DOCNUM 0000000000000008',
    ]);
  });

  it('refuses a message past maxRecords whole, with the limit, and reads one at the limit', async () => {
    const csv = cp1252(header + row('1001') + row('1002') + row('1003'));
    expect(await new LegacyFormat(oldCrm).decode(csv, 'Kunde', { maxRecords: 2 })).toEqual([
      { ref: 'document', error: 'holds more than 2 records, the most one message may hold', limit: 2 },
    ]);
    expect(await new LegacyFormat(oldCrm).decode(csv, 'Kunde', { maxRecords: 3 })).toHaveLength(3);
    const json = new LegacyFormat(loadSystemSpec('salesforce'));
    const one = salesforceContact('003A', anna);
    expect(await json.decode({ records: [one, one, one] }, '', { maxRecords: 2 })).toMatchObject([
      { limit: 2 },
    ]);
  });
});
