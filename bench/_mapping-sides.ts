/**
 * The sides of the mapping benchmark (bench/mapping.ts) and the checks that prove they do the same
 * work. The benchmark times exactly the functions checked here, and times nothing unless every check
 * passed; test/unit/bench/mapping-bench.test.ts runs the same checks in `npm test`.
 *
 * - ours: the SAP DEBMAS spec (mappings/systems/sap.json), compiled, with its validation;
 * - the anchor: the same mapping written in JSONata, then the same ajv validator;
 * - hand-written: the JSONata expression in plain TypeScript, the ceiling any engine can reach.
 *
 * The JSONata and hand-written mappings call the hub's own transform implementations, so only the
 * mapping engine differs. On the XML path the anchor is xml2js + JSONata + ajv. Deletion IDocs
 * (E1KNA1M MSGFN 003) are not customers (sap.json maps them to a customer-deleted event): every side
 * recognises and skips them by the same rule. A record one side rejects (a bad code, an impossible
 * date, a missing required field) must be rejected by the other too.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import iconv from 'iconv-lite';
import jsonata from 'jsonata';
import { Parser } from 'xml2js';
import { errorMessage } from '../formats/error-message';
import { parseIdocXml, segmentTypeName } from '../formats/idoc/idoc';
import { idocToRecord } from '../formats/idoc/idoc-record';
import { compileMapping, loadSystemSpec } from '../mappings/engine';
import { transforms } from '../mappings/transforms';
import { compileMappingValidator } from '../mappings/validate';
import { ROOT } from '../test/e2e/hub-process';

/** What one side made of one IDoc. */
export type Outcome =
  { kind: 'mapped'; doc: unknown } | { kind: 'rejected'; reason: string } | { kind: 'deletion' };
export type RecordSide = (record: Record<string, unknown>) => Outcome | Promise<Outcome>;
export type XmlSide = (xml: Buffer) => Outcome[] | Promise<Outcome[]>;

export class SidesDiffer extends Error {
  override name = 'SidesDiffer';
}

/** JSON round trip drops the keys JSONata leaves undefined, as our builder never sets them. */
const plain = (v: unknown) => JSON.parse(JSON.stringify(v)) as unknown;
const DELETION: Outcome = Object.freeze({ kind: 'deletion' });
const isDeletion = (segment: unknown) => (segment as { MSGFN?: unknown } | undefined)?.MSGFN === '003';

export interface Fixture {
  name: string;
  xml: Buffer;
}

export function sapFixtures(): Fixture[] {
  const dir = path.join(ROOT, 'test/fixtures/legacy/sap');
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.xml'))
    .sort()
    .map((name) => ({ name, xml: fs.readFileSync(path.join(dir, name)) }));
}

/** The records of the per-record path: every customer IDoc of the files, decoded by our IDoc reader. */
export function customerRecords(files: Fixture[]): { where: string; record: Record<string, unknown> }[] {
  return files.flatMap(({ name, xml }) =>
    parseIdocXml(xml).flatMap((idoc, i) =>
      idoc.segments.E1KNA1M && !isDeletion(idoc.segments.E1KNA1M[0])
        ? [{ where: `${name} IDOC[${i}]`, record: idocToRecord(idoc, i) }]
        : [],
    ),
  );
}

// The validator compiled mappings use (verdict first, full errors only for an invalid document): every
// side gets the same one, so only the mapping differs.
export const validateCustomer = compileMappingValidator('customer');

function validated(doc: unknown): Outcome {
  const verdict = validateCustomer(doc);
  if (verdict.ok) return { kind: 'mapped', doc };
  return { kind: 'rejected', reason: verdict.errors.map((e) => `${e.field} ${e.message}`).join('; ') };
}

// ---------------------------------------------------------------------------------------------
// ours

const ours = compileMapping(loadSystemSpec('sap'), 'DEBMAS');

export function oursRecord(record: Record<string, unknown>): Outcome {
  const r = ours.map(record);
  return r.ok ? { kind: 'mapped', doc: r.value } : { kind: 'rejected', reason: r.error.message };
}

export function oursXml(xml: Buffer): Outcome[] {
  return parseIdocXml(xml).map((idoc, i) =>
    isDeletion(idoc.segments.E1KNA1M?.[0]) ? DELETION : oursRecord(idocToRecord(idoc, i)),
  );
}

// ---------------------------------------------------------------------------------------------
// the anchor: JSONata over the hub's transforms

const PERSON = ['Herr', 'Frau', 'Mr.', 'Ms.', 'Mrs.'];
const REGIONS = (
  (loadSystemSpec('sap').inbound.DEBMAS.fields as { to?: string; transforms?: unknown[] }[]).find(
    (r) => r.to === 'addresses[0].region',
  )?.transforms?.[0] as { code: { table: Record<string, string> } }
).code.table;

// The hub's transforms, created once, handed to JSONata as functions.
const fn = {
  strip: transforms.stripLeadingZeros.create(undefined),
  toNumber: transforms.number.create(undefined),
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
  $anred := $trim($k.ANRED);
  $person := $not($anred in ["Firma", "Company"]) and (
    $anred in ${JSON.stringify(PERSON)} or $trim($k.STKZN) = "X" or ($anred and $trim($k.NAME2) ? true : false)
  );
  $name := $person ? $splitName($join([$k.NAME2, $k.NAME1][$ != ''], ', '));
  $lines := [$k.NAME1, $k.NAME2, $k.NAME3, $k.NAME4][$ != ''];
  $street := $k.STRAS ? $splitStreet($k.STRAS);
  {
    "schemaVersion": "1.0",
    "customerRef": "sap:" & $strip($k.KUNNR),
    "kind": $person ? "person" : "organization",
    "person": $person ? {
      "salutation": $anred ? $anred,
      "title": $name.title,
      "givenName": $name.givenName,
      "familyName": $name.familyName
    },
    "organization": $not($person) ? { "legalName": $join($lines, ' '), "nameLines": [$lines] },
    "segment": $k.KTOKD ? $accountGroup($k.KTOKD),
    "tier": $k.E1KNVVM[0].KDGRP ? $tier($k.E1KNVVM[0].KDGRP),
    "salesArea": ($k.E1KNVVM[0].VKORG and $k.E1KNVVM[0].VTWEG and $k.E1KNVVM[0].SPART) ? {
      "salesOrg": $trim($k.E1KNVVM[0].VKORG),
      "distributionChannel": $trim($k.E1KNVVM[0].VTWEG),
      "division": $trim($k.E1KNVVM[0].SPART)
    },
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
    "source": { "system": "sap", "operation": "DEBMAS", "recordId": EDI_DC40.DOCNUM ? $strip(EDI_DC40.DOCNUM), "version": EDI_DC40.DOCNUM ? $toNumber($strip(EDI_DC40.DOCNUM)) }
  }
)`;

function jsonataMapping(): (input: unknown) => Promise<unknown> {
  const expr = jsonata(EXPRESSION);
  const bind = (f: (v: unknown) => unknown) => (v: unknown) => (v === undefined ? undefined : f(v));
  const bindings: Record<string, unknown> = Object.fromEntries(
    Object.entries(fn).map(([k, f]) => [k, bind(f)]),
  );
  bindings.phone = (v: unknown, record: unknown) =>
    v === undefined ? undefined : phoneWithCountryOfRecord(v, record);
  return (input: unknown) => expr.evaluate(input, bindings) as Promise<unknown>;
}
const anchor = jsonataMapping();

/** A transform that throws (a code not in its table, an impossible date) rejects the record, as in ours. */
export async function anchorRecord(record: unknown): Promise<Outcome> {
  let doc: unknown;
  try {
    doc = await anchor(record);
  } catch (err) {
    return { kind: 'rejected', reason: errorMessage(err) };
  }
  return validated(doc);
}

// explicitArray false is what a JSONata user writes against: single segments are objects.
// Segment definition names (E2KNA1M005) become type names by the hub's own rule, as the transforms
// are shared above, so that only parser and engine differ.
const xml2js = new Parser({
  explicitArray: false,
  explicitRoot: true,
  charkey: '_',
  attrkey: '$',
  tagNameProcessors: [segmentTypeName],
});
const DECLARED_ENCODING = /^<\?xml[^>]*?\sencoding=["']([A-Za-z0-9._-]+)["']/;

export async function anchorXml(xml: Buffer): Promise<Outcome[]> {
  // xml2js parses text, not bytes: the declared charset (ISO-8859-1 from older SAP ports) is the caller's job.
  const encoding = DECLARED_ENCODING.exec(xml.subarray(0, 200).toString('latin1'))?.[1] ?? 'utf-8';
  const tree = (await xml2js.parseStringPromise(iconv.decode(xml, encoding))) as Record<string, unknown>;
  const root = Object.values(tree)[0] as { IDOC?: unknown } | undefined;
  const idocs = root?.IDOC === undefined ? [] : Array.isArray(root.IDOC) ? root.IDOC : [root.IDOC];
  const out: Outcome[] = [];
  for (const idoc of idocs as { E1KNA1M?: unknown }[]) {
    out.push(isDeletion(idoc.E1KNA1M) ? DELETION : await anchorRecord(idoc));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// hand-written: the JSONata expression above without any engine, over the same transforms

type Segment = Record<string, string | undefined> & { E1KNVVM?: unknown };
const nonEmpty = (values: (string | undefined)[]) =>
  values.filter((v): v is string => v !== undefined && v !== '');
/** sets a key only when the value is defined, as JSONata's object constructor leaves undefined out */
function put(o: Record<string, unknown>, key: string, value: unknown): void {
  if (value !== undefined) o[key] = value;
}
const trim = (v: string | undefined) => (v === undefined ? undefined : v.trim());

function handWritten(record: Record<string, unknown>): Record<string, unknown> {
  const k = record.E1KNA1M as Segment;
  const control = record.EDI_DC40 as Segment;
  const salutation = trim(k.ANRED) || undefined;
  const person =
    salutation !== 'Firma' &&
    salutation !== 'Company' &&
    ((salutation !== undefined && PERSON.includes(salutation)) ||
      trim(k.STKZN) === 'X' ||
      (salutation !== undefined && !!trim(k.NAME2)));
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
    kind: person ? 'person' : 'organization',
  };
  if (person) {
    const p: Record<string, unknown> = {};
    put(p, 'salutation', salutation);
    put(p, 'title', name?.title);
    put(p, 'givenName', name?.givenName);
    put(p, 'familyName', name?.familyName);
    doc.person = p;
  } else doc.organization = { legalName: lines.join(' '), nameLines: lines };
  if (k.KTOKD) doc.segment = fn.accountGroup(k.KTOKD);
  if (sales?.KDGRP) doc.tier = fn.tier(sales.KDGRP);
  if (sales?.VKORG && sales.VTWEG && sales.SPART)
    doc.salesArea = {
      salesOrg: trim(sales.VKORG),
      distributionChannel: trim(sales.VTWEG),
      division: trim(sales.SPART),
    };
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
  if (control.DOCNUM) put(source, 'version', fn.toNumber(fn.strip(control.DOCNUM)));
  doc.source = source;
  return doc;
}

export function handWrittenRecord(record: Record<string, unknown>): Outcome {
  let doc: unknown;
  try {
    doc = handWritten(record);
  } catch (err) {
    return { kind: 'rejected', reason: errorMessage(err) };
  }
  return validated(doc);
}

// ---------------------------------------------------------------------------------------------
// the checks

/** What must be equal: the documents, and which records are rejected or skipped (reasons may differ). */
function comparable(outcome: Outcome): unknown {
  return outcome.kind === 'mapped' ? { kind: 'mapped', doc: plain(outcome.doc) } : { kind: outcome.kind };
}

function requireSame(where: string, names: [string, string], a: Outcome[], b: Outcome[]): void {
  if (isDeepStrictEqual(a.map(comparable), b.map(comparable))) return;
  throw new SidesDiffer(
    `${where}: ${names[0]} and ${names[1]} differ, so timing them would compare different work:\n` +
      JSON.stringify({ [names[0]]: a, [names[1]]: b }, null, 1),
  );
}

function requireValid(where: string, outcomes: Outcome[]): void {
  for (const o of outcomes) {
    if (o.kind === 'mapped' && !validateCustomer(o.doc).ok) {
      throw new SidesDiffer(`${where}: a mapped document is not a valid canonical customer`);
    }
  }
}

export interface RecordSides {
  ours: RecordSide;
  anchor: RecordSide;
  handWritten: RecordSide;
}
const RECORD_SIDES: RecordSides = { ours: oursRecord, anchor: anchorRecord, handWritten: handWrittenRecord };

/**
 * Maps every record with every side and throws unless all outcomes are identical and every document
 * valid. Returns the records ours maps (the timed loop maps only those) and how many were rejected.
 */
export async function checkRecordPath(
  records: { where: string; record: Record<string, unknown> }[],
  sides: RecordSides = RECORD_SIDES,
): Promise<{ samples: Record<string, unknown>[]; rejected: number }> {
  const samples: Record<string, unknown>[] = [];
  let rejected = 0;
  for (const { where, record } of records) {
    const mine = await sides.ours(record);
    requireSame(where, ['ours', 'JSONata'], [mine], [await sides.anchor(record)]);
    requireSame(where, ['ours', 'hand-written'], [mine], [await sides.handWritten(record)]);
    requireValid(where, [mine]);
    if (mine.kind === 'mapped') samples.push(record);
    else rejected++;
  }
  if (samples.length === 0) throw new SidesDiffer('no record mapped: nothing to measure');
  return { samples, rejected };
}

export interface XmlSides {
  ours: XmlSide;
  anchor: XmlSide;
}
const XML_SIDES: XmlSides = { ours: oursXml, anchor: anchorXml };

/** The same for whole files, from bytes: every IDoc's outcome must agree on every file. */
export async function checkXmlPath(
  files: Fixture[],
  sides: XmlSides = XML_SIDES,
): Promise<{ mapped: number; rejected: number; deletions: number }> {
  const counts = { mapped: 0, rejected: 0, deletions: 0 };
  for (const { name, xml } of files) {
    const mine = await sides.ours(xml);
    requireSame(name, ['ours', 'xml2js + JSONata'], mine, await sides.anchor(xml));
    requireValid(name, mine);
    for (const o of mine) {
      if (o.kind === 'mapped') counts.mapped++;
      else if (o.kind === 'rejected') counts.rejected++;
      else counts.deletions++;
    }
  }
  if (counts.mapped === 0) throw new SidesDiffer('no IDoc mapped: nothing to measure');
  return counts;
}
