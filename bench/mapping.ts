/**
 * `npm run bench -- mapping`: the SAP DEBMAS customer mapping (mappings/systems/sap.json) plus canonical
 * validation, against the same mapping written in JSONata plus the same ajv validation.
 *
 * The JSONata anchor calls the hub's own transform implementations (registered as JSONata functions),
 * so both sides compute the same thing and only the mapping engine differs; every record's two outputs
 * are compared before anything is measured. A second comparison runs the whole path from XML bytes:
 * our IDoc reader + mapping + validation against xml2js + JSONata + ajv.
 *
 * A third mapping, written by hand in plain TypeScript over the same transform functions, is the
 * ceiling any mapping engine can reach against this anchor: what is left is the shared work (the
 * transforms and ajv). Its rate is printed, not a RESULT line.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import jsonata from 'jsonata';
import { Parser } from 'xml2js';
import { parseIdocXml } from '../formats/idoc/idoc';
import { idocToRecord } from '../formats/idoc/idoc-record';
import { compileMapping, loadSystemSpec } from '../mappings/engine';
import { transforms } from '../mappings/transforms';
import { compileMappingValidator } from '../mappings/validate';
import { ROOT } from '../test/e2e/hub-process';
import { median, result } from './_measure';

/** JSON round trip drops the keys JSONata leaves undefined, as our builder never sets them. */
const plain = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;

const PERSON = ['Herr', 'Frau', 'Mr.', 'Ms.', 'Mrs.'];
const REGIONS = (
  (loadSystemSpec('sap').inbound.DEBMAS.fields as { to?: string; transforms?: unknown[] }[]).find(
    (r) => r.to === 'addresses[0].region',
  )?.transforms?.[0] as { code: { table: Record<string, string> } }
).code.table;

// The hub's transforms, created once, handed to JSONata as functions.
const fn = {
  strip: transforms.stripLeadingZeros.create(undefined),
  splitName: transforms.splitName.create(undefined),
  splitStreet: transforms.splitStreet.create(undefined),
  accountGroup: transforms.code.create({ table: 'accountGroup' }),
  tier: transforms.code.create({ table: 'tier' }),
  country: transforms.code.create({ table: 'country' }),
  region: transforms.code.create({ table: REGIONS }),
  date: transforms.date.create({ from: 'YYYYMMDDHHMMSS', to: 'iso-datetime' }),
};
const phoneWithCountryOfRecord = transforms.phone.create({ defaultCountryFrom: 'E1KNA1M.LAND1' });

const EXPRESSION = `
(
  $k := E1KNA1M;
  $person := $trim($k.ANRED) in ${JSON.stringify(PERSON)};
  $name := $person ? $splitName($join([$k.NAME2, $k.NAME1][$ != ''], ', '));
  $kind := $lookup({"Herr":"person","Frau":"person","Mr.":"person","Ms.":"person","Mrs.":"person","Firma":"organization","Company":"organization"}, $trim($k.ANRED));
  $lines := [$k.NAME1, $k.NAME2, $k.NAME3, $k.NAME4][$ != ''];
  $street := $k.STRAS ? $splitStreet($k.STRAS);
  {
    "schemaVersion": "1.0",
    "customerRef": "sap:" & $strip($k.KUNNR),
    "kind": $kind ? $kind : ($k.ANRED ? $trim($k.ANRED) : "organization"),
    "person": $person ? {
      "salutation": $trim($k.ANRED),
      "title": $name.title,
      "givenName": $name.givenName,
      "familyName": $name.familyName
    },
    "organization": $not($person) ? { "legalName": $join($lines, ' '), "nameLines": [$lines] },
    "segment": $k.KTOKD ? $accountGroup($k.KTOKD),
    "tier": $k.E1KNVVM[0].KDGRP ? $tier($k.E1KNVVM[0].KDGRP),
    "addresses": [{
      "type": "postal",
      "street": $street.street,
      "houseNumber": $street.houseNumber,
      "postalCode": $k.PSTLZ ? $trim($k.PSTLZ),
      "city": $trim($k.ORT01),
      "region": ($k.LAND1 = "DE" and $k.REGIO) ? $region($k.REGIO),
      "country": $country($k.LAND1)
    }],
    "phones": $k.TELF1 ? [{ "number": $phone($k.TELF1, { "E1KNA1M": { "LAND1": $k.LAND1 } }), "type": "work" }],
    "identifiers": [{ "system": "sap", "id": $strip($k.KUNNR) }],
    "updatedAt": $date(EDI_DC40.CREDAT & EDI_DC40.CRETIM),
    "source": { "system": "sap", "operation": "DEBMAS", "recordId": EDI_DC40.DOCNUM ? $strip(EDI_DC40.DOCNUM) }
  }
)`;

type Segment = Record<string, string | undefined> & { E1KNVVM?: unknown };
const nonEmpty = (values: (string | undefined)[]) =>
  values.filter((v): v is string => v !== undefined && v !== '');
/** sets a key only when the value is defined, as JSONata's object constructor leaves undefined out */
function put(o: Record<string, unknown>, key: string, value: unknown): void {
  if (value !== undefined) o[key] = value;
}
const trim = (v: string | undefined) => (v === undefined ? undefined : v.trim());
const KINDS: Record<string, string> = {
  Herr: 'person',
  Frau: 'person',
  'Mr.': 'person',
  'Ms.': 'person',
  'Mrs.': 'person',
  Firma: 'organization',
  Company: 'organization',
};

/** The JSONata expression above, by hand: no engine at all, only the shared transforms. */
function handWritten(record: Record<string, unknown>): Record<string, unknown> {
  const k = record.E1KNA1M as Segment;
  const control = record.EDI_DC40 as Segment;
  const salutation = trim(k.ANRED);
  const person = salutation !== undefined && PERSON.includes(salutation);
  const name = person
    ? (fn.splitName(nonEmpty([k.NAME2, k.NAME1]).join(', ')) as Record<string, string | undefined>)
    : undefined;
  const lines = nonEmpty([k.NAME1, k.NAME2, k.NAME3, k.NAME4]);
  const street = k.STRAS ? (fn.splitStreet(k.STRAS) as Record<string, string | undefined>) : undefined;
  const sales = Array.isArray(k.E1KNVVM)
    ? (k.E1KNVVM[0] as Segment | undefined)
    : (k.E1KNVVM as Segment | undefined);
  const id = fn.strip(k.KUNNR);
  const doc: Record<string, unknown> = {
    schemaVersion: '1.0',
    customerRef: `sap:${String(id)}`,
    kind: (salutation !== undefined && KINDS[salutation]) || (k.ANRED ? salutation : 'organization'),
  };
  if (person) {
    const p: Record<string, unknown> = { salutation };
    put(p, 'title', name?.title);
    put(p, 'givenName', name?.givenName);
    put(p, 'familyName', name?.familyName);
    doc.person = p;
  } else doc.organization = { legalName: lines.join(' '), nameLines: lines };
  if (k.KTOKD) doc.segment = fn.accountGroup(k.KTOKD);
  if (sales?.KDGRP) doc.tier = fn.tier(sales.KDGRP);
  const address: Record<string, unknown> = { type: 'postal' };
  put(address, 'street', street?.street);
  put(address, 'houseNumber', street?.houseNumber);
  if (k.PSTLZ) put(address, 'postalCode', trim(k.PSTLZ));
  put(address, 'city', trim(k.ORT01));
  if (k.LAND1 === 'DE' && k.REGIO) put(address, 'region', fn.region(k.REGIO));
  put(address, 'country', fn.country(k.LAND1));
  doc.addresses = [address];
  if (k.TELF1) doc.phones = [{ number: phoneWithCountryOfRecord(k.TELF1, record), type: 'work' }];
  doc.identifiers = [{ system: 'sap', id }];
  doc.updatedAt = fn.date(`${control.CREDAT ?? ''}${control.CRETIM ?? ''}`);
  const source: Record<string, unknown> = { system: 'sap', operation: 'DEBMAS' };
  if (control.DOCNUM) put(source, 'recordId', fn.strip(control.DOCNUM));
  doc.source = source;
  return doc;
}

function jsonataMapping(root?: string) {
  const expr = jsonata(root ? `${root}.${EXPRESSION.trim()}` : EXPRESSION);
  const bind = (f: (v: unknown) => unknown) => (v: unknown) => (v === undefined ? undefined : f(v));
  const bindings: Record<string, unknown> = Object.fromEntries(
    Object.entries(fn).map(([k, f]) => [k, bind(f)]),
  );
  bindings.phone = (v: unknown, record: unknown) =>
    v === undefined ? undefined : phoneWithCountryOfRecord(v, record);
  return (input: unknown) => expr.evaluate(input, bindings);
}

async function main(): Promise<void> {
  const dir = path.join(ROOT, 'test/fixtures/legacy/sap');
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.xml'))
    .map((f) => fs.readFileSync(path.join(dir, f)));
  const docs = files.flatMap((xml) =>
    parseIdocXml(xml).map((d, i) => ({ xml, record: idocToRecord(d), index: i })),
  );
  // The validator compiled mappings use (verdict first, full errors only for an invalid document):
  // the anchor gets the same one, so only the mapping differs.
  const validate = compileMappingValidator('customer');
  const ours = compileMapping(loadSystemSpec('sap'), 'DEBMAS');
  const anchor = jsonataMapping();
  const samples: Record<string, unknown>[] = [];
  for (const { record } of docs) {
    const k = (record as { E1KNA1M?: Record<string, unknown> }).E1KNA1M;
    if (!k || k.MSGFN === '003') continue;
    const mine = ours.map(record);
    if (!mine.ok) continue;
    const theirs = plain(await anchor(record));
    if (!isDeepStrictEqual(theirs, plain(mine.value))) {
      console.error(
        'the JSONata mapping differs from ours for a record:',
        JSON.stringify({ ours: mine.value, jsonata: theirs }, null, 1),
      );
      process.exit(1);
    }
    if (!isDeepStrictEqual(plain(handWritten(record)), plain(mine.value))) {
      console.error(
        'the hand-written mapping differs from ours for a record:',
        JSON.stringify({ ours: mine.value, handWritten: handWritten(record) }, null, 1),
      );
      process.exit(1);
    }
    samples.push(record);
  }
  if (samples.length === 0) throw new Error('no DEBMAS fixture record to measure');
  console.log(`${samples.length} DEBMAS records, outputs of both mappings identical`);

  // JSONata's evaluate is asynchronous; awaiting each call keeps both sides one record at a time.
  let i = 0;
  const oursOne = () => {
    const r = ours.map(samples[i++ % samples.length]);
    if (!r.ok) throw new Error(r.error.message);
  };
  const [oursRate, anchorRate] = await alternate(
    async () => oursOne(),
    async () => {
      const doc = await anchor(samples[i++ % samples.length]);
      if (!validate(doc).ok) throw new Error('anchor produced an invalid document');
    },
  );
  console.log(`ours: ${Math.round(oursRate)} records/s, JSONata + ajv: ${Math.round(anchorRate)} records/s`);
  const [handRate, anchorAgain] = await alternate(
    async () => {
      const doc = handWritten(samples[i++ % samples.length]);
      if (!validate(doc).ok) throw new Error('the hand-written mapping produced an invalid document');
    },
    async () => {
      const doc = await anchor(samples[i++ % samples.length]);
      if (!validate(doc).ok) throw new Error('anchor produced an invalid document');
    },
    3,
  );
  console.log(
    `ceiling: hand-written TypeScript over the same transforms + ajv: ${Math.round(handRate)} records/s ` +
      `against JSONata + ajv ${Math.round(anchorAgain)} records/s, ratio ${(handRate / anchorAgain).toFixed(2)}: ` +
      'what an engine that adds nothing to the shared work (transforms, ajv) would reach',
  );

  // Whole path from XML bytes.
  // files whose every customer maps (the fixtures with deliberately bad records are left out)
  const xmlSamples = files.filter((xml) =>
    parseIdocXml(xml).every((d) => {
      const k = d.segments.E1KNA1M?.[0] as { MSGFN?: string } | undefined;
      return k?.MSGFN === '003' || ours.map(idocToRecord(d)).ok;
    }),
  );
  const xml2js = new Parser({ explicitArray: false, explicitRoot: true, charkey: '_', attrkey: '$' });
  const anchorXml = jsonataMapping('DEBMAS07.IDOC');
  let j = 0;
  const fullOurs = () => {
    const xml = xmlSamples[j++ % xmlSamples.length];
    for (const doc of parseIdocXml(xml)) {
      const r = ours.map(idocToRecord(doc));
      if (!r.ok && (doc.segments.E1KNA1M?.[0] as { MSGFN?: string } | undefined)?.MSGFN !== '003')
        throw new Error(r.error.message);
    }
  };
  const [fullOursRate, fullAnchorRate] = await alternate(
    async () => fullOurs(),
    async () => {
      const xml = xmlSamples[j++ % xmlSamples.length];
      const tree = (await xml2js.parseStringPromise(xml.toString('utf8'))) as unknown;
      const mapped = (await anchorXml(tree)) as unknown;
      for (const doc of Array.isArray(mapped) ? mapped : [mapped]) validate(doc);
    },
  );
  console.log(
    `XML bytes → validated canonical: ours ${Math.round(fullOursRate)} files/s, xml2js + JSONata + ajv ${Math.round(fullAnchorRate)} files/s`,
  );
  console.log(result('mapping-xml-path-vs-xml2js-jsonata', fullOursRate, fullAnchorRate, 'files/s'));
  console.log(result('mapping-vs-jsonata', oursRate, anchorRate, 'records/s'));
}

/**
 * Both sides run one operation at a time through the same async loop (JSONata's evaluate returns a
 * promise), in alternating rounds after a warm-up; the median round of each counts.
 */
async function alternate(
  a: () => Promise<void>,
  b: () => Promise<void>,
  rounds = 7,
): Promise<[number, number]> {
  const round = async (op: () => Promise<void>, ms: number) => {
    let n = 0;
    const start = process.hrtime.bigint();
    const end = start + BigInt(ms) * 1_000_000n;
    let now = start;
    while (now < end) {
      await op();
      n++;
      now = process.hrtime.bigint();
    }
    return (n * 1e9) / Number(now - start);
  };
  await round(a, 300);
  await round(b, 300);
  const ra: number[] = [];
  const rb: number[] = [];
  for (let r = 0; r < rounds; r++) {
    ra.push(await round(a, 400));
    rb.push(await round(b, 400));
  }
  return [median(ra), median(rb)];
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
