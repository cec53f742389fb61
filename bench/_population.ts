/**
 * A generated population of customers, deterministic by seed, with the truth known: who is who.
 *
 * People live in households (singles, couples, families with children, now and then twins or a son
 * named after his father), which gives the hard cases a matcher must keep apart: shared family
 * names, addresses, landlines and family mailboxes. Each person is then seen by one to four source
 * systems (the CRM, SAP, core banking, the web shop), and each system's record is a corrupted view:
 * its own date and phone formats, abbreviated streets, upper-case names, umlauts written out or
 * lost, typos, nicknames, transliterations, swapped given and family names, transposed digits,
 * missing fields, an old address of someone who moved, a maiden name, another e-mail address.
 */
import type { MatchInput } from '../records/matching';
import { germanTaxIdCheckDigit } from '../records/matching/normalize-national-id';
import {
  abbreviateStreet,
  corruptDay,
  diacriticsDropped,
  formatDay,
  formatGermanPhone,
  transposeDigits,
  typo,
  umlautsWrittenOut,
  type DateStyle,
  type Day,
} from './_corruption';
import {
  CITIES,
  FAMILY_NAME_ENDINGS,
  FAMILY_NAME_STEMS,
  MAIL_PROVIDERS,
  MOBILE_PREFIXES,
  NICKNAMES,
  ORIGINS,
  STREETS,
  type City,
  type Origin,
} from './_population-data';
import { SeededRandom } from './_random';

export interface Home {
  street: string;
  houseNumber: string;
  postalCode: string;
  city: City;
  /** household landline: area code and subscriber number */
  landline?: [string, string];
  mailbox?: string;
}

export interface Person {
  id: number;
  origin: Origin;
  female: boolean;
  givenName: string;
  middleName?: string;
  familyName: string;
  /** the family name before a marriage, still in older systems */
  maidenName?: string;
  birth: Day;
  home: Home;
  /** the address before a move, still in the systems that were not told */
  previousHome?: Home;
  email?: string;
  mobile?: [string, string];
  taxId?: string;
}

export interface GeneratedRecord {
  personId: number;
  system: System;
  input: MatchInput;
  /**
   * What the writer did to this record beyond its system's spelling ("nickname", "typo-given",
   * "moved", ...), for the benchmark's --explain; recorded only, it draws no random numbers.
   */
  notes: string[];
}

export interface Population {
  people: Person[];
  /** in arrival order (shuffled) */
  records: GeneratedRecord[];
}

export const SYSTEMS = ['crm', 'sap', 'core-banking', 'web'] as const;
export type System = (typeof SYSTEMS)[number];

/** The reference year two-digit years are read against; fixed, so the data never changes with the clock. */
export const POPULATION_REFERENCE_YEAR = 2025;

class PopulationBuilder {
  readonly people: Person[] = [];
  private readonly mailboxes = new Set<string>();
  private readonly phones = new Set<string>();

  constructor(private readonly random: SeededRandom) {}

  private origin(): Origin {
    let r = this.random.next();
    for (const origin of ORIGINS) {
      r -= origin.share;
      if (r < 0) return origin;
    }
    return ORIGINS[0];
  }

  /** German families: the common names, or one of the long tail. */
  private familyName(origin: Origin): string {
    if (origin.name !== 'german' || this.random.chance(0.5)) return this.random.pickFrequent(origin.family);
    const stem = this.random.pick(FAMILY_NAME_STEMS);
    const ending = this.random.pick(FAMILY_NAME_ENDINGS);
    return stem + (stem.endsWith(ending[0]) && ending.length > 2 ? ending.slice(1) : ending);
  }

  private givenName(origin: Origin, female: boolean): string {
    return this.random.pickFrequent(female ? origin.female : origin.male);
  }

  private home(): Home {
    const random = this.random;
    const city = random.chance(0.96)
      ? random.pickFrequent(CITIES.filter((c) => c.country === 'DE'))
      : random.pick(CITIES);
    const code = random.int(city.postalCodes[0], city.postalCodes[1]);
    const home: Home = {
      street: random.pickFrequent(STREETS),
      houseNumber: `${random.int(1, 180)}${random.chance(0.1) ? random.pick(['a', 'b', 'c']) : ''}`,
      postalCode: String(code).padStart(city.country === 'DE' ? 5 : 4, '0'),
      city,
    };
    if (city.country === 'DE' && random.chance(0.5)) home.landline = [city.areaCode, this.uniquePhone(7)];
    return home;
  }

  private uniquePhone(length: number): string {
    for (;;) {
      const subscriber = `${this.random.int(2, 9)}${this.random.digits(length - 1)}`;
      if (!this.phones.has(subscriber)) {
        this.phones.add(subscriber);
        return subscriber;
      }
    }
  }

  private taxId(): string {
    const first = `${this.random.int(1, 9)}${this.random.digits(9)}`;
    return `${first}${germanTaxIdCheckDigit(first)}`;
  }

  /** A mailbox no one else has; at Gmail, which ignores dots and allows no "_", "a.b" is "ab". */
  private mailbox(local: string, provider: string): string {
    const gmail = provider === 'gmail.com';
    const base = gmail ? local.replace(/_/g, '.') : local;
    const key = (l: string) => (gmail ? l.replace(/\./g, '') : l) + '@' + provider;
    let candidate = base;
    while (this.mailboxes.has(key(candidate))) candidate = `${base}${this.random.int(1, 999)}`;
    this.mailboxes.add(key(candidate));
    return `${candidate}@${provider}`;
  }

  /** A personal address in one of the patterns people pick, at a common provider. */
  personalEmail(given: string, family: string, birthYear: number): string {
    const g = ascii(given);
    const f = ascii(family).replace(/[^a-z]/g, '');
    const local = this.random.pick([
      `${g}.${f}`,
      `${g[0]}.${f}`,
      `${g}${f}`,
      `${f}.${g}`,
      `${g}.${f}${birthYear % 100}`,
      `${g}_${f}`,
      `${f}${this.random.int(1, 99)}`,
    ]);
    return this.mailbox(local, this.random.pickFrequent(MAIL_PROVIDERS));
  }

  /** `household`: its members so far, whose given names parents do not give again. */
  private person(
    origin: Origin,
    female: boolean,
    family: string,
    birth: Day,
    home: Home,
    household: Person[],
  ): Person {
    const random = this.random;
    let givenName = this.givenName(origin, female);
    for (let tries = 0; tries < 20 && household.some((p) => p.givenName === givenName); tries++)
      givenName = this.givenName(origin, female);
    const person: Person = {
      id: this.people.length,
      origin,
      female,
      givenName,
      familyName: family,
      birth,
      home,
    };
    if (origin.name === 'german' && random.chance(0.15)) {
      const middle = this.givenName(origin, female);
      if (middle !== person.givenName) person.middleName = middle;
    }
    if (random.chance(0.75)) person.email = this.personalEmail(person.givenName, family, birth.year);
    if (random.chance(0.8)) {
      const [prefix, length] = random.pick(MOBILE_PREFIXES);
      person.mobile = [prefix, this.uniquePhone(length)];
    }
    if (home.city.country === 'DE') person.taxId = this.taxId();
    if (random.chance(0.2)) person.previousHome = this.home();
    this.people.push(person);
    household.push(person);
    return person;
  }

  private birth(fromYear: number, toYear: number): Day {
    const year = this.random.int(fromYear, toYear);
    const month = this.random.int(1, 12);
    const days = [31, year % 4 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
    return { year, month, day: this.random.int(1, days) };
  }

  /** One household: a single, a couple, or a family with children (now and then twins, or a junior). */
  household(): void {
    const random = this.random;
    const origin = this.origin();
    const family = this.familyName(origin);
    const home = this.home();
    const r = random.next();
    const firstFemale = random.chance(0.5);
    const household: Person[] = [];
    const first = this.person(origin, firstFemale, family, this.birth(1938, 2005), home, household);
    if (r < 0.45) return;
    const partnerBirth = this.birth(
      Math.max(1938, first.birth.year - 6),
      Math.min(2005, first.birth.year + 6),
    );
    const partner = this.person(origin, !firstFemale, family, partnerBirth, home, household);
    const wife = firstFemale ? first : partner;
    if (random.chance(0.1)) {
      wife.maidenName = this.familyName(origin);
      if (wife.maidenName === family) delete wife.maidenName;
    }
    if (home.mailbox === undefined && random.chance(0.15))
      home.mailbox = this.mailbox(
        `familie.${ascii(family).replace(/[^a-z]/g, '')}`,
        random.pickFrequent(MAIL_PROVIDERS),
      );
    if (r < 0.8) return;
    const parentYear = Math.max(first.birth.year, partner.birth.year);
    if (parentYear > 1985) return;
    const children = random.int(1, 3);
    let previous: Person | undefined;
    for (let c = 0; c < children; c++) {
      const twin = previous !== undefined && random.chance(0.03);
      const birth =
        twin && previous ? previous.birth : this.birth(parentYear + 20, Math.min(2006, parentYear + 40));
      const female = random.chance(0.5);
      const child = this.person(origin, female, family, birth, home, household);
      // The junior: a first son named after his father, same address, same landline.
      if (!female && c === 0 && !twin && random.chance(0.06))
        child.givenName = (firstFemale ? partner : first).givenName;
      previous = child;
    }
  }
}

function ascii(name: string): string {
  return umlautsWrittenOut(name)
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/ı/g, 'i')
    .replace(/ł/g, 'l')
    .toLowerCase()
    .replace(/[^a-z-]/g, '');
}

/** How each system keeps its records: which fields it usually has, and how it writes them. */
interface SystemHabits {
  birthDate: number;
  email: number;
  phone: number;
  address: number;
  upperCase: number;
  abbreviateStreet: number;
  dropLeadingZero: number;
  umlautsLost: number;
  dateStyles: readonly DateStyle[];
}

const HABITS: Record<System, SystemHabits> = {
  crm: {
    birthDate: 0.85,
    email: 0.6,
    phone: 0.7,
    address: 0.95,
    upperCase: 0.02,
    abbreviateStreet: 0.2,
    dropLeadingZero: 0,
    umlautsLost: 0.05,
    dateStyles: ['german', 'german', 'german', 'german-long', 'iso'],
  },
  sap: {
    birthDate: 0.8,
    email: 0.3,
    phone: 0.6,
    address: 1,
    upperCase: 0.4,
    abbreviateStreet: 0.6,
    dropLeadingZero: 0.7,
    umlautsLost: 0.25,
    dateStyles: ['sap'],
  },
  'core-banking': {
    birthDate: 0.98,
    email: 0.4,
    phone: 0.6,
    address: 0.98,
    upperCase: 0.15,
    abbreviateStreet: 0.3,
    dropLeadingZero: 0.3,
    umlautsLost: 0.3,
    dateStyles: ['german', 'german', 'german-short'],
  },
  web: {
    birthDate: 0.7,
    email: 1,
    phone: 0.5,
    address: 0.85,
    upperCase: 0,
    abbreviateStreet: 0.1,
    dropLeadingZero: 0,
    umlautsLost: 0.05,
    dateStyles: ['iso'],
  },
};

class RecordWriter {
  private readonly counters = new Map<System, number>();
  readonly records: GeneratedRecord[] = [];

  constructor(
    private readonly random: SeededRandom,
    private readonly builder: PopulationBuilder,
  ) {}

  private nextRef(system: System): string {
    const n = (this.counters.get(system) ?? 0) + 1;
    this.counters.set(system, n);
    return `${system}:${system === 'sap' ? String(n).padStart(10, '0') : n}`;
  }

  private name(
    person: Person,
    habits: SystemHabits,
    old: boolean,
    notes: string[],
  ): [string | undefined, string] {
    const random = this.random;
    let given = person.givenName;
    const nicknames = NICKNAMES[given];
    if (nicknames && random.chance(0.12)) {
      given = random.pick(nicknames);
      notes.push('nickname');
    }
    const variants = person.origin.variants;
    if (variants?.[given] && random.chance(0.35)) {
      given = random.pick(variants[given]);
      notes.push('variant-given');
    }
    if (person.middleName && random.chance(0.5)) {
      given = `${given} ${person.middleName}`;
      notes.push('middle-name');
    }
    let family = old && person.maidenName ? person.maidenName : person.familyName;
    if (family !== person.familyName) notes.push('maiden-name');
    if (variants?.[family] && random.chance(0.35)) {
      family = random.pick(variants[family]);
      notes.push('variant-family');
    }
    if (!old && person.maidenName && random.chance(0.2)) {
      family = `${family}-${person.maidenName}`;
      notes.push('double-name');
    }
    if (random.chance(0.05)) {
      family = typo(random, family);
      notes.push('typo-family');
    }
    if (random.chance(0.05)) {
      given = typo(random, given);
      notes.push('typo-given');
    }
    const lose = random.next();
    if (lose < habits.umlautsLost) {
      family = random.chance(0.6) ? umlautsWrittenOut(family) : diacriticsDropped(family);
      given = random.chance(0.6) ? umlautsWrittenOut(given) : diacriticsDropped(given);
    }
    if (random.chance(habits.upperCase)) {
      family = family.toUpperCase();
      given = given.toUpperCase();
    }
    if (random.chance(0.03)) {
      given = `${random.pick(['Dr.', 'Prof. Dr.', person.female ? 'Frau' : 'Herr'])} ${given}`;
      notes.push('title');
    }
    if (random.chance(0.02)) {
      notes.push('given-missing');
      return [undefined, family];
    }
    if (random.chance(0.02)) {
      given = `${given[0]}.`;
      notes.push('initial');
    }
    if (random.chance(0.03)) {
      notes.push('swapped-names');
      return [family, given];
    }
    return [given, family];
  }

  private address(home: Home, habits: SystemHabits) {
    const random = this.random;
    let street = home.street;
    if (random.chance(habits.abbreviateStreet)) street = abbreviateStreet(random, street);
    if (street.startsWith('Sankt-') && random.chance(0.5)) street = street.replace('Sankt-', 'St.-');
    if (random.chance(0.03)) street = typo(random, street);
    let houseNumber = home.houseNumber;
    if (/[a-z]$/.test(houseNumber) && random.chance(0.3))
      houseNumber = `${houseNumber.slice(0, -1)} ${houseNumber.slice(-1).toUpperCase()}`;
    let postalCode = home.postalCode;
    if (postalCode.startsWith('0') && random.chance(habits.dropLeadingZero))
      postalCode = postalCode.replace(/^0+/, '');
    const city = home.city.variants && random.chance(0.2) ? random.pick(home.city.variants) : home.city.name;
    const together = random.chance(0.5);
    return {
      ...(together ? { street: `${street} ${houseNumber}` } : { street, houseNumber }),
      postalCode,
      city,
      country: home.city.country,
    };
  }

  private email(person: Person): string | undefined {
    const random = this.random;
    let email = person.email;
    if (person.home.mailbox && (email === undefined || random.chance(0.4))) email = person.home.mailbox;
    if (email === undefined) return undefined;
    if (random.chance(0.08))
      email = this.builder.personalEmail(person.givenName, person.familyName, person.birth.year);
    const [local, domain] = email.split('@');
    if (domain === 'gmail.com') {
      let l = local;
      if (random.chance(0.3)) l = l.replace(/[._]/g, '');
      if (random.chance(0.1)) l = `${l}+${random.pick(['shop', 'news', 'bank'])}`;
      email = `${l}@${random.chance(0.3) ? 'googlemail.com' : 'gmail.com'}`;
    }
    if (random.chance(0.1)) email = email[0].toUpperCase() + email.slice(1);
    return email;
  }

  private phone(person: Person, system: System, notes: string[]): string | undefined {
    const random = this.random;
    const options: [string, string][] = [];
    if (person.mobile) options.push(person.mobile);
    if (person.home.landline && (system === 'sap' || system === 'core-banking' || options.length === 0))
      options.push(person.home.landline);
    if (options.length === 0) return undefined;
    const [prefix, subscriber] = random.pick(options);
    const written = random.chance(0.02) ? transposeDigits(random, subscriber) : subscriber;
    if (written !== subscriber) notes.push('phone-transposed');
    if (prefix === person.home.landline?.[0] && subscriber === person.home.landline[1])
      notes.push('landline');
    return formatGermanPhone(random, prefix, written);
  }

  write(person: Person, system: System, crmRef: string | undefined): string {
    const random = this.random;
    const habits = HABITS[system];
    const old = (system === 'sap' || system === 'core-banking') && random.chance(0.6);
    const ref = this.nextRef(system);
    const input: MatchInput = { ref };
    const notes: string[] = [];
    const [given, family] = this.name(person, habits, old, notes);
    if (given !== undefined) input.givenName = given;
    input.familyName = family;
    if (random.chance(habits.birthDate)) {
      const birth = random.chance(0.05) ? corruptDay(random, person.birth) : person.birth;
      if (birth !== person.birth && birth.month === person.birth.day && birth.day === person.birth.month)
        notes.push('date-day-month-swapped');
      else if (birth !== person.birth) notes.push('date-digits');
      const style =
        person.origin.name === 'english' && system === 'web' && random.chance(0.5)
          ? 'us'
          : random.pick(habits.dateStyles);
      input.birthDate = formatDay(birth, style);
      if (style === 'german-short') notes.push('date-two-digit-year');
      if (style === 'us') notes.push('date-us');
    } else notes.push('no-birth-date');
    if (random.chance(habits.address)) {
      const home = person.previousHome && (old || random.chance(0.3)) ? person.previousHome : person.home;
      if (home !== person.home) notes.push('moved');
      input.addresses = [this.address(home, habits)];
    } else notes.push('no-address');
    if (random.chance(habits.email)) {
      const email = this.email(person);
      if (email) input.emails = [email];
      if (email && email.toLowerCase() === person.home.mailbox) notes.push('family-mailbox');
    }
    if (random.chance(habits.phone)) {
      const phone = this.phone(person, system, notes);
      if (phone) input.phones = [phone];
    }
    if (crmRef && (system === 'sap' ? random.chance(0.25) : system === 'web' && random.chance(0.1))) {
      const [crmSystem, id] = crmRef.split(':');
      input.identifiers = [{ system: crmSystem, id }];
    }
    if (
      person.taxId &&
      (system === 'core-banking' ? random.chance(0.7) : system === 'sap' && random.chance(0.05))
    ) {
      const value = random.chance(0.03) ? transposeDigits(random, person.taxId) : person.taxId;
      notes.push(value === person.taxId ? 'tax-id' : 'tax-id-transposed');
      input.nationalIds = [
        {
          scheme: 'de-tax-id',
          value: random.chance(0.3)
            ? `${value.slice(0, 2)} ${value.slice(2, 5)} ${value.slice(5, 8)} ${value.slice(8)}`
            : value,
        },
      ];
    }
    this.records.push({ personId: person.id, system, input, notes });
    return ref;
  }
}

export interface PopulationOptions {
  /** about how many people; households are completed, so a few more may come */
  people: number;
  seed: number;
}

export function generatePopulation(options: PopulationOptions): Population {
  const random = new SeededRandom(options.seed);
  const builder = new PopulationBuilder(random);
  while (builder.people.length < options.people) builder.household();
  const writer = new RecordWriter(random, builder);
  for (const person of builder.people) {
    const r = random.next();
    const count = r < 0.35 ? 1 : r < 0.65 ? 2 : r < 0.87 ? 3 : 4;
    const systems: System[] = random.shuffle([...SYSTEMS]).slice(0, count);
    // A second account in one system: the web shop's forgotten login, the CRM's duplicate.
    if (random.chance(0.05)) systems.push(random.pick(SYSTEMS));
    let crmRef: string | undefined;
    if (systems.includes('crm')) systems.sort((a, b) => (a === 'crm' ? -1 : b === 'crm' ? 1 : 0));
    for (const system of systems) {
      const ref = writer.write(person, system, crmRef);
      if (system === 'crm' && crmRef === undefined) crmRef = ref;
    }
  }
  return { people: builder.people, records: random.shuffle(writer.records) };
}
