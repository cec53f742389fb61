/**
 * Legacy messages for the record-sync tests, as the three shipped systems send them: SAP DEBMAS07
 * IDocs, Siebel Contact documents and Salesforce Contact JSON. Each helper writes one customer's
 * record at one moment, so a test can send versions of the same record in any order.
 */

export interface PersonVersion {
  given: string;
  family: string;
  street: string;
  postalCode: string;
  city: string;
  /** ISO 3166 alpha-2 */
  country: string;
  /** when the system changed the record */
  at: Date;
  phone?: string;
}

const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** A DEBMAS07 change IDoc of one person (MSGFN 004), CREDAT/CRETIM the version's time (UTC). */
export function debmas(kunnr: string, version: PersonVersion, docnum = '1'): string {
  const t = version.at;
  const credat = `${t.getUTCFullYear()}${pad(t.getUTCMonth() + 1)}${pad(t.getUTCDate())}`;
  const cretim = `${pad(t.getUTCHours())}${pad(t.getUTCMinutes())}${pad(t.getUTCSeconds())}`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<DEBMAS07>
  <IDOC BEGIN="1">
    <EDI_DC40 SEGMENT="1">
      <TABNAM>EDI_DC40</TABNAM>
      <DOCNUM>${docnum.padStart(16, '0')}</DOCNUM>
      <DIRECT>1</DIRECT>
      <IDOCTYP>DEBMAS07</IDOCTYP>
      <MESTYP>DEBMAS</MESTYP>
      <SNDPRN>PE1CLNT100</SNDPRN>
      <CREDAT>${credat}</CREDAT>
      <CRETIM>${cretim}</CRETIM>
    </EDI_DC40>
    <E1KNA1M SEGMENT="1">
      <MSGFN>004</MSGFN>
      <KUNNR>${kunnr.padStart(10, '0')}</KUNNR>
      <ANRED>Frau</ANRED>
      <LAND1>${version.country}</LAND1>
      <NAME1>${escapeXml(version.given)}</NAME1>
      <NAME2>${escapeXml(version.family)}</NAME2>
      <ORT01>${escapeXml(version.city)}</ORT01>
      <PSTLZ>${version.postalCode}</PSTLZ>
      <STRAS>${escapeXml(version.street)}</STRAS>${version.phone ? `\n      <TELF1>${version.phone}</TELF1>` : ''}
    </E1KNA1M>
  </IDOC>
</DEBMAS07>
`;
}

const SIEBEL_COUNTRIES: Record<string, string> = { DE: 'Germany', AT: 'Austria', FR: 'France' };

/** A Siebel ListOfContact with one contact; Updated in Siebel's MM/DD/YYYY HH:MM:SS. */
export function siebelContact(id: string, version: PersonVersion): string {
  const t = version.at;
  const stamp = `${pad(t.getUTCMonth() + 1)}/${pad(t.getUTCDate())}/${t.getUTCFullYear()} ${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}`;
  return `<?xml version="1.0" encoding="UTF-8"?>
<ListOfContact xmlns="http://www.siebel.com/xml/Contact">
  <Contact>
    <Id>${id}</Id>
    <Created>01/01/2020 00:00:00</Created>
    <Updated>${stamp}</Updated>
    <First_spcName>${escapeXml(version.given)}</First_spcName>
    <Last_spcName>${escapeXml(version.family)}</Last_spcName>${version.phone ? `\n    <Work_spcPhone_spc_pnd>${version.phone}</Work_spcPhone_spc_pnd>` : ''}
    <ListOfPersonal_spcAddress>
      <Personal_spcAddress IsPrimaryMVG="Y">
        <Street_spcAddress>${escapeXml(version.street)}</Street_spcAddress>
        <City>${escapeXml(version.city)}</City>
        <Postal_spcCode>${version.postalCode}</Postal_spcCode>
        <Country>${SIEBEL_COUNTRIES[version.country] ?? version.country}</Country>
      </Personal_spcAddress>
    </ListOfPersonal_spcAddress>
  </Contact>
</ListOfContact>
`;
}

/** A Salesforce Contact as its REST API returns it. */
export function salesforceContact(id: string, version: PersonVersion): Record<string, unknown> {
  return {
    attributes: { type: 'Contact' },
    Id: id,
    FirstName: version.given,
    LastName: version.family,
    MailingStreet: version.street,
    MailingPostalCode: version.postalCode,
    MailingCity: version.city,
    MailingCountryCode: version.country,
    ...(version.phone ? { Phone: version.phone } : {}),
    LastModifiedDate: version.at.toISOString(),
  };
}

/** A small deterministic generator (mulberry32), so a failing order can be replayed from its seed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
