import { parseIdocXml } from '../../../formats/idoc/idoc';
import { compileMapping, compileOutbound, loadSystemSpec } from '../../../mappings/engine';
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
    const [idoc] = parseIdocXml(document.text);
    expect(idoc.control).toMatchObject({ IDOCTYP: 'DEBMAS07', MESTYP: 'DEBMAS' });
    expect(idoc.segments.E1KNA1M[0]).toMatchObject({
      MSGFN: '004',
      KUNNR: '0000080042',
      STRAS: 'Leopoldstraße 12',
      PSTLZ: '80802',
      ORT01: 'München',
    });
    // and SAP reads it back as the same customer (SAP stamps CREDAT and CRETIM when it takes the IDoc)
    const stamped = document.text.replace(
      '</EDI_DC40>',
      '<CREDAT>20260301</CREDAT><CRETIM>101530</CRETIM></EDI_DC40>',
    );
    expect(await canonical('sap', Buffer.from(stamped))).toMatchObject({
      customerRef: 'sap:80042',
      addresses: [{ street: 'Leopoldstraße', houseNumber: '12', city: 'München' }],
    });
    expect(new LegacyFormat(loadSystemSpec('salesforce')).encode({ Id: '003A' })).toEqual({
      text: '{"Id":"003A"}',
      contentType: 'application/json',
    });
  });

  it('splits an inbound routing key into system and message type', () => {
    expect(splitInboundKey('sap.DEBMAS')).toEqual({ system: 'sap', messageType: 'DEBMAS' });
    expect(splitInboundKey('sap')).toEqual({ system: 'sap', messageType: '' });
  });
});
