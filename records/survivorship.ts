/**
 * Survivorship: the golden customer computed attribute by attribute from the source records of one
 * golden id (and the events that report changes to them), with the lineage of every value.
 *
 * For each attribute, the candidates are the sources that hold a value (a missing value never wins
 * and never blanks one). Among them: the highest trust wins, then the most recent, then the most
 * complete, then the smallest (system, sourceId) as a deterministic last resort. Two exceptions:
 * - an event (address-changed) outranks every candidate older than itself, whatever its trust: it
 *   reports a change to them. A source version newer than the event competes with it by the rules.
 * - consents rank by recency first: the customer's latest statement is the valid one, and no trusted
 *   system may bring back a consent that was withdrawn after it.
 *
 * The result is a function of the set of inputs: stale versions are resolved by source-versions.ts,
 * candidates are ranked by a total order, and every list comes out in a fixed order.
 */
import type {
  Channel,
  Consent,
  Customer,
  CustomerAddress,
  CustomerIdentifier,
  Email,
  InteractionEvent,
  OrganizationName,
  PersonName,
  Phone,
} from '../mappings/canonical/types';
import { EMAIL_TYPES, PHONE_TYPES } from '../mappings/canonical/types';
import { canonicalJson, contentDigest } from './content-hash';
import { assessDataQuality } from './data-quality';
import { eventContribution, noAttributesReason } from './event-sources';
import {
  compareSourceKeys,
  compareText,
  instant,
  newestVersions,
  type SourceKey,
  type SourceRecord,
  type StaleVersion,
} from './source-versions';
import { crosswiseSources, NameAgreement, readCrosswise } from './name-compatibility';
import { compileTrust, type AttributePath, type TrustConfig, type TrustLookup } from './trust';

/** Why a value won: the first rule that set it apart from the runner-up. */
export type LineageRule = 'trust' | 'recency' | 'completeness' | 'tie-break' | 'event' | 'sole-source';

export interface AttributeLineage {
  /** the record (or, for rule "event", the event: sourceId is the eventId) the value came from */
  source: SourceKey;
  rule: LineageRule;
  /** when the winning source stated the value (updatedAt, occurredAt, or a consent's own time), UTC */
  at: string;
  /** events: the channel the change was reported on */
  via?: Channel;
  /** events: "reported via call-center"; a name read from a source's swapped fields: "read crosswise: …" */
  note?: string;
}

export interface SurvivorshipInput {
  goldenId: string;
  /** every known version of the golden id's source records; older versions are set aside as stale */
  records: readonly SourceRecord[];
  /** events about these records; those that carry no customer data are listed as ignored */
  events?: readonly InteractionEvent[];
  trust?: TrustConfig | TrustLookup;
}

export interface GoldenRecord {
  goldenId: string;
  document: Customer;
  /** by path in the golden document: "person.familyName", "addresses[0]", "emails[1]", … */
  lineage: Record<string, AttributeLineage>;
  /** the source records used, sorted */
  sources: SourceKey[];
  /** the eventIds applied, sorted */
  events: string[];
  stale: StaleVersion[];
  ignoredEvents: { eventId: string; reason: string }[];
}

/** A record or an event, as a source of values. */
interface Contributor {
  origin: 'record' | 'event';
  key: SourceKey;
  document: Partial<Customer>;
  ms: number;
  channel?: Channel;
}

interface Candidate<V> {
  from: Contributor;
  value: V;
  trust: number;
  /** when the value was stated; the contributor's time except for consents */
  ms: number;
  completeness: number;
}

interface Choice<V> {
  winner: Candidate<V>;
  rule: LineageRule;
  /** all candidates, best first (for an event address, the type of the one it replaces) */
  ranked: Candidate<V>[];
}

type Criterion = 'trust' | 'recency' | 'completeness';

const isPresent = (value: unknown): boolean => {
  if (value === undefined || value === null) return false;
  if (typeof value === 'string') return value.trim() !== '';
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.values(value).some(isPresent);
  return true;
};

function compareContributors(a: Contributor, b: Contributor): number {
  return compareSourceKeys(a.key, b.key) || compareText(a.origin, b.origin);
}

function criterionOrder(a: Candidate<unknown>, b: Candidate<unknown>, criterion: Criterion): number {
  if (criterion === 'trust') return b.trust - a.trust;
  if (criterion === 'recency') return b.ms - a.ms;
  return b.completeness - a.completeness;
}

/** Picks the surviving value; undefined when no source holds one. */
function choose<V>(candidates: Candidate<V>[], recencyFirst = false): Choice<V> | undefined {
  if (candidates.length === 0) return undefined;
  const criteria: Criterion[] = recencyFirst
    ? ['recency', 'trust', 'completeness']
    : ['trust', 'recency', 'completeness'];
  const compare = (a: Candidate<V>, b: Candidate<V>): number => {
    for (const criterion of criteria) {
      const order = criterionOrder(a, b, criterion);
      if (order !== 0) return order;
    }
    return compareContributors(a.from, b.from);
  };
  const ranked = [...candidates].sort(compare);
  const newestEvent = Math.max(...candidates.filter((c) => c.from.origin === 'event').map((c) => c.ms));
  const open = ranked.filter((c) => c.ms >= newestEvent);
  const winner = open[0];
  let rule: LineageRule;
  if (winner.from.origin === 'event') rule = 'event';
  else if (open.length === 1) rule = 'sole-source';
  else rule = criteria.find((criterion) => criterionOrder(winner, open[1], criterion) !== 0) ?? 'tie-break';
  return { winner, rule, ranked };
}

function lineageOf(choice: Choice<unknown>, isoTime: (ms: number) => string): AttributeLineage {
  const { from, ms } = choice.winner;
  const lineage: AttributeLineage = {
    source: { ...from.key },
    rule: choice.rule,
    at: isoTime(ms),
  };
  if (from.origin === 'event' && from.channel) {
    lineage.via = from.channel;
    lineage.note = `reported via ${from.channel}`;
  }
  return lineage;
}

/** Name parts: a full name is more complete than an initial ("A."). */
function textCompleteness(value: string): number {
  return value.replace(/[.\s]/g, '').length > 1 ? 2 : 1;
}

const ADDRESS_PARTS = ['houseNumber', 'postalCode', 'city', 'region', 'country'] as const;

/** The parts an address has: street (or street lines), house number, postal code, city, region, country. */
export function addressCompleteness(address: Partial<CustomerAddress>): number {
  const street = isPresent(address.street) || isPresent(address.streetLines) ? 1 : 0;
  return street + ADDRESS_PARTS.filter((part) => isPresent(address[part])).length;
}

const MAIN_ADDRESS_TYPES: readonly string[] = ['home', 'postal'];
const OTHER_ADDRESS_TYPES = ['billing', 'shipping'] as const;

class Survivorship {
  readonly lineage: Record<string, AttributeLineage> = {};
  /** a handful of sources give every attribute's time: each formatted once, not once per attribute */
  private readonly isoTimes = new Map<number, string>();

  constructor(
    readonly contributors: Contributor[],
    readonly trust: TrustLookup,
  ) {}

  candidates<V>(
    path: AttributePath,
    read: (doc: Partial<Customer>, from: Contributor) => V | undefined,
    completeness: (value: V) => number = () => 1,
    when: (from: Contributor) => boolean = () => true,
  ): Candidate<V>[] {
    const out: Candidate<V>[] = [];
    for (const from of this.contributors) {
      if (!when(from)) continue;
      const value = read(from.document, from);
      if (!isPresent(value)) continue;
      out.push({
        from,
        value: value as V,
        trust: this.trust(from.key.system, path),
        ms: from.ms,
        completeness: completeness(value as V),
      });
    }
    return out;
  }

  /** A single value: chosen, recorded in the lineage under its path, returned. */
  scalar<V>(
    path: AttributePath,
    read: (doc: Partial<Customer>, from: Contributor) => V | undefined,
    completeness?: (value: V) => number,
    when?: (from: Contributor) => boolean,
  ): V | undefined {
    const choice = choose(this.candidates(path, read, completeness, when));
    if (!choice) return undefined;
    this.lineage[path] = lineageOf(choice, this.isoTime);
    return choice.winner.value;
  }

  /** Items placed in a list of the golden document, each with the lineage of the choice it came from. */
  place<V>(list: string, items: { value: V; choice: Choice<unknown> }[]): V[] {
    items.forEach(
      (item, index) => (this.lineage[`${list}[${index}]`] = lineageOf(item.choice, this.isoTime)),
    );
    return items.map((item) => item.value);
  }

  private readonly isoTime = (ms: number): string => {
    let text = this.isoTimes.get(ms);
    if (text === undefined) this.isoTimes.set(ms, (text = new Date(ms).toISOString()));
    return text;
  };
}

function names(s: Survivorship, kind: Customer['kind']): Pick<Customer, 'person' | 'organization'> {
  const sameKind = (from: Contributor): boolean =>
    from.document.kind === undefined || from.document.kind === kind;
  const text = textCompleteness;
  const count = (value: string[]): number => value.length;
  if (kind === 'person') {
    const person: PersonName = {};
    // A source holding the others' two names crosswise is read crosswise, or the newest such source
    // would win the family name with the given name and send the reversed name to every target.
    const crosswise = crosswiseSources(
      s.contributors.filter((from) => from.origin === 'record' && sameKind(from)),
      (from) => from.document.person,
      (from) => s.trust(from.key.system, 'person.familyName'),
    );
    const personOf = (from: Contributor): PersonName | undefined => {
      const held = from.document.person;
      return held && crosswise.has(from) ? readCrosswise(held) : held;
    };
    const noteCrosswise = (path: 'person.familyName' | 'person.givenName'): void => {
      const lineage = s.lineage[path];
      if (lineage && [...crosswise].some((from) => compareSourceKeys(from.key, lineage.source) === 0))
        lineage.note = 'read crosswise: its given and family name fields are swapped';
    };
    // The family name first, then each part only from sources whose name agrees with what won so far
    // (name-compatibility.ts): one person's salutation never lands on another's given name.
    const familyName = s.scalar('person.familyName', (_, from) => personOf(from)?.familyName, text, sameKind);
    noteCrosswise('person.familyName');
    const names = new NameAgreement<Contributor>(personOf);
    const familyAgrees = familyName === undefined ? undefined : new Map<Contributor, boolean>();
    const sameFamily = (from: Contributor): boolean => {
      if (!sameKind(from)) return false;
      if (!familyAgrees) return true;
      let agrees = familyAgrees.get(from);
      if (agrees === undefined) familyAgrees.set(from, (agrees = names.familyAgrees(from, familyName)));
      return agrees;
    };
    const givenRead = (_: Partial<Customer>, from: Contributor): string | undefined =>
      personOf(from)?.givenName;
    // a changed family name (a marriage) must not cost the given name the other sources hold
    const givenName =
      s.scalar('person.givenName', givenRead, text, sameFamily) ??
      s.scalar('person.givenName', givenRead, text, sameKind);
    noteCrosswise('person.givenName');
    const givenAgrees = new Map<Contributor, boolean>();
    const samePerson = (from: Contributor): boolean => {
      if (!sameFamily(from)) return false;
      if (givenName === undefined) return true;
      let agrees = givenAgrees.get(from);
      if (agrees === undefined) givenAgrees.set(from, (agrees = names.givenAgrees(from, givenName)));
      return agrees;
    };
    const salutation = s.scalar('person.salutation', (d) => d.person?.salutation, text, samePerson);
    const title = s.scalar('person.title', (d) => d.person?.title, text, samePerson);
    const middleNames = s.scalar('person.middleNames', (d) => d.person?.middleNames, count, samePerson);
    if (salutation) person.salutation = salutation;
    if (title) person.title = title;
    if (givenName) person.givenName = givenName;
    if (middleNames) person.middleNames = [...middleNames];
    if (familyName) person.familyName = familyName;
    return Object.keys(person).length ? { person } : {};
  }
  const organization: OrganizationName = {};
  const legalName = s.scalar('organization.legalName', (d) => d.organization?.legalName, text, sameKind);
  const nameLines = s.scalar('organization.nameLines', (d) => d.organization?.nameLines, count, sameKind);
  if (legalName) organization.legalName = legalName;
  if (nameLines) organization.nameLines = [...nameLines];
  return Object.keys(organization).length ? { organization } : {};
}

function addresses(s: Survivorship, kind: Customer['kind']): CustomerAddress[] {
  const placed: { value: CustomerAddress; choice: Choice<unknown> }[] = [];
  const main = choose(
    s.candidates(
      'addresses',
      (doc, from) =>
        from.origin === 'event'
          ? doc.addresses?.[0]
          : doc.addresses?.find((a) => MAIN_ADDRESS_TYPES.includes(a.type) && addressCompleteness(a) > 0),
      addressCompleteness,
    ),
  );
  if (main) {
    const value = { ...main.winner.value };
    if (main.winner.from.origin === 'event') {
      // The event reports where the customer now lives: it takes the place (and type) of the
      // address it replaces, the best-ranked one a record holds.
      const replaced = main.ranked.find((c) => c.from.origin === 'record');
      value.type = replaced?.value.type ?? (kind === 'organization' ? 'postal' : 'home');
    }
    placed.push({ value: orderedAddress(value), choice: main });
  }
  for (const type of OTHER_ADDRESS_TYPES) {
    const choice = choose(
      s.candidates(
        'addresses',
        (doc, from) =>
          from.origin === 'record'
            ? doc.addresses?.filter((a) => a.type === type && addressCompleteness(a) > 0)
            : undefined,
        (list) => list.reduce((sum, a) => sum + addressCompleteness(a), 0),
      ),
    );
    if (choice)
      for (const value of choice.winner.value) placed.push({ value: orderedAddress(value), choice });
  }
  return s.place('addresses', placed);
}

/** A copy in the schema's key order, so equal addresses serialise alike whatever the source wrote. */
function orderedAddress(address: CustomerAddress): CustomerAddress {
  const { type, street, houseNumber, streetLines, postalCode, city, region, country, validFrom } = address;
  const parts = { street, houseNumber, streetLines, postalCode, city, region, country, validFrom };
  const copy: CustomerAddress = { type };
  for (const [key, value] of Object.entries(parts)) {
    if (isPresent(value))
      (copy as unknown as Record<string, unknown>)[key] = Array.isArray(value) ? [...value] : value;
  }
  return copy;
}

/** Per type, the list of the winning source; preferred entries first, each address once. */
function contactList<C extends Email | Phone>(
  s: Survivorship,
  list: 'emails' | 'phones',
  types: readonly string[],
  read: (doc: Partial<Customer>) => C[] | undefined,
  /** the address or number; entries without one are not contacts */
  key: (item: C) => string | undefined,
): C[] {
  const same = (item: C): string => (key(item) ?? '').trim().toLowerCase();
  const placed: { value: C; choice: Choice<unknown> }[] = [];
  for (const type of types) {
    const choice = choose(
      s.candidates(
        list,
        (doc, from) =>
          from.origin === 'record'
            ? read(doc)?.filter((item) => item.type === type && isPresent(key(item)))
            : undefined,
        (items) => items.length,
      ),
    );
    if (choice) for (const value of choice.winner.value) placed.push({ value: { ...value }, choice });
  }
  const seen = new Set<string>();
  const unique = placed.filter((item) => !seen.has(same(item.value)) && seen.add(same(item.value)));
  const ordered = [...unique.filter((i) => i.value.preferred), ...unique.filter((i) => !i.value.preferred)];
  return s.place(list, ordered);
}

function consents(s: Survivorship): Consent[] {
  const keys = new Set<string>();
  for (const c of s.candidates('consents', (doc, from) =>
    from.origin === 'record' ? doc.consents : undefined,
  )) {
    for (const consent of c.value) keys.add(`${consent.channel}|${consent.purpose}`);
  }
  const placed: { value: Consent; choice: Choice<unknown> }[] = [];
  for (const key of [...keys].sort(compareText)) {
    const candidates = s
      .candidates('consents', (doc, from) =>
        from.origin === 'record' ? latestConsent(doc.consents, key) : undefined,
      )
      .map((c) => ({
        ...c,
        ms: instant(c.value.at, () => `consent ${key} of ${c.from.key.system}:${c.from.key.sourceId}`),
      }));
    const choice = choose(candidates, true);
    if (choice) placed.push({ value: { ...choice.winner.value }, choice });
  }
  return s.place('consents', placed);
}

function latestConsent(list: Consent[] | undefined, key: string): Consent | undefined {
  const matching = (list ?? []).filter((c) => `${c.channel}|${c.purpose}` === key);
  const time = (c: Consent): number => Date.parse(c.at);
  return matching.sort((a, b) => time(b) - time(a) || compareText(canonicalJson(a), canonicalJson(b)))[0];
}

/**
 * Every record's own key is an identifier of the golden record (it is the cross-reference). Ids a
 * record holds for other systems and schemes (a tax id, the CRM's number in SAP) survive per
 * system by the rules, unless a record of that system is itself a member: it speaks for its own ids.
 */
function identifiers(s: Survivorship, records: Contributor[]): CustomerIdentifier[] {
  const placed: { value: CustomerIdentifier; choice: Choice<unknown> }[] = [];
  const own = new Set(records.map((r) => r.key.system));
  for (const record of records) {
    const winner = { from: record, value: record.key, trust: 0, ms: record.ms, completeness: 1 };
    const choice: Choice<SourceKey> = { winner, rule: 'sole-source', ranked: [winner] };
    placed.push({ value: { system: record.key.system, id: record.key.sourceId }, choice });
  }
  const claimed = new Set<string>();
  for (const record of records) {
    for (const id of record.document.identifiers ?? []) if (!own.has(id.system)) claimed.add(id.system);
  }
  for (const system of [...claimed].sort(compareText)) {
    const choice = choose(
      s.candidates('identifiers', (doc, from) =>
        from.origin === 'record'
          ? doc.identifiers?.find((id) => id.system === system && isPresent(id.id))?.id
          : undefined,
      ),
    );
    if (choice) placed.push({ value: { system, id: choice.winner.value }, choice });
  }
  placed.sort((a, b) => compareText(a.value.system, b.value.system) || compareText(a.value.id, b.value.id));
  return s.place('identifiers', placed);
}

function contributorsOf(
  input: SurvivorshipInput,
): Pick<GoldenRecord, 'stale' | 'ignoredEvents'> & { records: Contributor[]; events: Contributor[] } {
  const { current, stale } = newestVersions(input.records);
  const records: Contributor[] = current.map((r) => ({
    origin: 'record',
    key: { system: r.system, sourceId: r.sourceId },
    document: r.document,
    ms: instant(r.updatedAt, () => `updatedAt of ${r.system}:${r.sourceId}`),
  }));
  const ignoredEvents: GoldenRecord['ignoredEvents'] = [];
  const byId = new Map<string, InteractionEvent>();
  const digest = (e: InteractionEvent): string => contentDigest(e);
  for (const event of input.events ?? []) {
    const held = byId.get(event.eventId);
    if (held === undefined) byId.set(event.eventId, event);
    else {
      const [keep, drop] = compareText(digest(held), digest(event)) >= 0 ? [held, event] : [event, held];
      byId.set(event.eventId, keep);
      ignoredEvents.push({
        eventId: drop.eventId,
        reason: 'a repeat of an event already applied (same eventId)',
      });
    }
  }
  const events: Contributor[] = [];
  for (const event of byId.values()) {
    const contribution = eventContribution(event);
    if (!contribution) {
      ignoredEvents.push({
        eventId: event.eventId,
        reason: noAttributesReason(event.type),
      });
      continue;
    }
    events.push({
      origin: 'event',
      key: { system: contribution.system, sourceId: contribution.sourceId },
      document: contribution.document,
      ms: instant(contribution.updatedAt, () => `occurredAt of event ${event.eventId}`),
      channel: contribution.channel,
    });
  }
  events.sort(compareContributors);
  ignoredEvents.sort((a, b) => compareText(a.eventId, b.eventId) || compareText(a.reason, b.reason));
  return { records, events, stale, ignoredEvents };
}

/** The golden customer of one golden id, with lineage per attribute. */
export function computeGolden(input: SurvivorshipInput): GoldenRecord {
  const { goldenId } = input;
  if (typeof goldenId !== 'string' || goldenId.trim() === '') {
    throw new Error(`survivorship: goldenId must be a non-empty text, got ${JSON.stringify(goldenId)}`);
  }
  const { records, events, stale, ignoredEvents } = contributorsOf(input);
  if (records.length === 0) {
    throw new Error(
      `survivorship: golden record ${goldenId} has no source record (events alone make no customer)`,
    );
  }
  const trust = typeof input.trust === 'function' ? input.trust : compileTrust(input.trust);
  const s = new Survivorship([...records, ...events], trust);

  const kind = s.scalar('kind', (d) => d.kind);
  if (kind === undefined)
    throw new Error(`survivorship: no source of golden record ${goldenId} states its kind`);
  const document: Customer = {
    schemaVersion: '1.0',
    customerRef: `hub:${goldenId}`,
    kind,
    ...names(s, kind),
  } as Customer;
  if (kind === 'person') {
    const birthDate = s.scalar(
      'birthDate',
      (d) => d.birthDate,
      undefined,
      (f) => f.document.kind !== 'organization',
    );
    if (birthDate) document.birthDate = birthDate;
  }
  const tier = s.scalar('tier', (d) => d.tier);
  const segment = s.scalar('segment', (d) => d.segment);
  if (tier) document.tier = tier;
  if (segment) document.segment = segment;
  const optional = {
    addresses: addresses(s, kind),
    phones: contactList(
      s,
      'phones',
      PHONE_TYPES,
      (d) => d.phones,
      (p) => p.number,
    ),
    emails: contactList(
      s,
      'emails',
      EMAIL_TYPES,
      (d) => d.emails,
      (e) => e.address,
    ),
    consents: consents(s),
  };
  for (const [key, list] of Object.entries(optional)) {
    if (list.length) (document as unknown as Record<string, unknown>)[key] = list;
  }
  document.identifiers = identifiers(s, records);
  document.updatedAt = new Date(Math.max(...[...records, ...events].map((c) => c.ms))).toISOString();
  document.source = { system: 'hub', operation: 'golden-record', recordId: goldenId };
  document.dataQuality = assessDataQuality(document);
  // a steward should see which source claimed a time ahead of the clock: it was weighed as of its arrival
  const futureDated = records
    .filter((r) => typeof r.document.source?.statedUpdatedAt === 'string')
    .map((r) => `${r.key.system}:${r.key.sourceId}`);
  if (futureDated.length > 0) document.dataQuality.futureDated = futureDated;

  return {
    goldenId,
    document,
    lineage: sortedKeys(s.lineage),
    sources: records.map((r) => ({ ...r.key })),
    events: events.map((e) => e.key.sourceId).sort(compareText),
    stale,
    ignoredEvents,
  };
}

function sortedKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => compareText(a, b)));
}
