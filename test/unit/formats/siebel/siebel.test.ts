import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseSiebelContacts, SiebelError, writeSiebelContacts } from '../../../../formats/siebel/siebel';
import { decodeSiebelName, encodeSiebelName } from '../../../../formats/siebel/siebel-names';
import { UnsafeXmlError } from '../../../../formats/xml/xml-safety';

const dir = join(__dirname, '..', '..', '..', 'fixtures', 'legacy', 'siebel');
const fixture = (name: string): string => readFileSync(join(dir, name), 'utf8');

describe('Siebel names', () => {
  it.each([
    ['First_spcName', 'First Name'],
    ['Cellular_spcPhone_spc_pnd', 'Cellular Phone #'],
    ['Account_spcId_spc_lprSSE_rpr', 'Account Id (SSE)'],
    ['M_slhM', 'M/M'],
    ['Source_undSystem', 'Source_System'],
    ['Customer_spcValue_spc_lpr_37_rpr', 'Customer Value (%)'],
    ['Q_cln_spcYes_qst', 'Q: Yes?'],
    ['A_amp_cma_scn_dqt_sqt_lst_grt', 'A&,;"\'<>'],
  ])('%s ⇄ %s', (xml, name) => {
    expect(decodeSiebelName(xml)).toBe(name);
    expect(encodeSiebelName(name)).toBe(xml);
  });

  it('keeps an underscore that starts no escape (hand-edited XML tags)', () => {
    expect(decodeSiebelName('Legacy_Id')).toBe('Legacy_Id');
  });

  it('decode(encode(name)) is the name for any string (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }), (name) => {
        const xml = encodeSiebelName(name);
        expect(xml).toMatch(/^[A-Za-z_\p{L}][\w.\p{L}-]*$/u);
        expect(decodeSiebelName(xml)).toBe(name);
      }),
    );
  });
});

describe('parseSiebelContacts', () => {
  it('reads contacts of a SOAP response with decoded names, lists and attributes', () => {
    const contacts = parseSiebelContacts(fixture('contact-query-response.xml'));
    expect(contacts).toHaveLength(2);
    expect(contacts[0]).toEqual({
      Id: '1-4RT7QK',
      Created: '03/14/2024 09:12:44',
      'M/M': 'Mrs.',
      'First Name': 'Anna',
      'Middle Name': '',
      'Last Name': 'Schäfer',
      'Email Address': 'anna.schaefer@example.de',
      'Cellular Phone #': '+491701234567',
      'Work Phone #': '+4930987654',
      'Job Title': 'Head of Treasury',
      'Account Id (SSE)': '1-2B3C4D',
      'Suppress All Emails': 'N',
      'Preferred Communications': 'Email',
      'Personal Address': [
        {
          $attributes: { IsPrimaryMVG: 'Y' },
          'Street Address': 'Unter den Linden 21',
          'Street Address 2': 'c/o Müller & Söhne',
          City: 'Berlin',
          'Postal Code': '10117',
          Country: 'Germany',
        },
        expect.objectContaining({ $attributes: { IsPrimaryMVG: 'N' }, City: 'Binz' }),
      ],
    });
    expect(contacts[1]['Last Name']).toBe("O'Neill");
    expect(contacts[1]['Personal Address']).toEqual([]);
  });

  it('offers the raw XML names for path-based mapping', () => {
    const [contact] = parseSiebelContacts(fixture('contact-upsert-bare.xml'), { names: 'raw' });
    expect(contact).toEqual({
      $attributes: { operation: 'upsert' },
      Integration_spcId: 'CRMHUB-000815',
      First_spcName: 'Jürgen',
      Last_spcName: 'Weiß',
      Email_spcAddress: 'j.weiss@example.de',
      Work_spcPhone_spc_pnd: '+49891234567',
      Customer_spcValue_spc_lpr_37_rpr: '80',
      Source_undSystem: 'CRM_HUB',
    });
  });

  it('reports faults, missing lists and misplaced elements by location', () => {
    const fault = `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>
      <faultcode>s:Server</faultcode><faultstring>SBL-DAT-00309: no Contact</faultstring></s:Fault></s:Body></s:Envelope>`;
    expect(() => parseSiebelContacts(fault)).toThrow(
      'Siebel answered with a fault: SBL-DAT-00309: no Contact',
    );
    expect(() => parseSiebelContacts('<ListOfAccount/>')).toThrow('no <ListOfContact> element found');
    expect(() => parseSiebelContacts('<ListOfContact><Account/></ListOfContact>')).toThrow(
      'ListOfContact: expected <Contact>, found <Account>',
    );
    const nested =
      '<ListOfContact><Contact/><Contact><ListOfPersonal_spcAddress><Personal_spcAddress><City>A</City><City>B</City></Personal_spcAddress></ListOfPersonal_spcAddress></Contact></ListOfContact>';
    expect(() => parseSiebelContacts(nested)).toThrow(SiebelError);
    expect(() => parseSiebelContacts(nested)).toThrow(
      'Contact[1].ListOfPersonal_spcAddress.Personal_spcAddress[0]: field City occurs more than once',
    );
    expect(() => parseSiebelContacts('<!DOCTYPE x><ListOfContact/>')).toThrow(UnsafeXmlError);
  });
});

describe('writeSiebelContacts', () => {
  it.each(['contact-query-response.xml', 'contact-upsert-bare.xml'])('round-trips %s', (name) => {
    for (const names of ['decoded', 'raw'] as const) {
      const contacts = parseSiebelContacts(fixture(name), { names });
      const xml = writeSiebelContacts(contacts, { names });
      expect(parseSiebelContacts(xml, { names })).toEqual(contacts);
    }
    // decoded names written back give the same XML tags Siebel sent
    const raw = parseSiebelContacts(fixture(name), { names: 'raw' });
    const viaDecoded = writeSiebelContacts(parseSiebelContacts(fixture(name)));
    expect(parseSiebelContacts(viaDecoded, { names: 'raw' })).toEqual(raw);
  });

  it('writes a SOAP request with encoded tags and escaped values', () => {
    const xml = writeSiebelContacts(
      [{ 'First Name': 'Anna & Co', 'Cell Phone #': '+49 170', 'Personal Address': [{ City: 'Köln' }] }],
      { soap: { operation: 'SiebelContactInsertOrUpdate_Input', namespace: 'http://siebel.com/asi/' } },
    );
    expect(xml).toContain('<First_spcName>Anna &amp; Co</First_spcName>');
    expect(xml).toContain('<Cell_spcPhone_spc_pnd>+49 170</Cell_spcPhone_spc_pnd>');
    expect(xml).toContain('<ListOfPersonal_spcAddress>');
    expect(xml).toContain('<op:SiebelContactInsertOrUpdate_Input xmlns:op="http://siebel.com/asi/">');
    expect(parseSiebelContacts(xml)).toEqual([
      { 'First Name': 'Anna & Co', 'Cell Phone #': '+49 170', 'Personal Address': [{ City: 'Köln' }] },
    ]);
  });

  it('names the record and field that cannot be written', () => {
    expect(() => writeSiebelContacts([{ 'First Name': 'A' }, { Phone: 42 as unknown as string }])).toThrow(
      'Contact[1]: field "Phone" must be a string, got number',
    );
  });
});
