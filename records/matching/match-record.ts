/**
 * One record as matching sees it: what a source said about a person (MatchInput) and the same,
 * normalised once (MatchRecord), so that every comparison and blocking key reads prepared values.
 * Values that cannot be read (an impossible date, a broken e-mail address) are left out and named
 * in `unreadable`: a legacy record with gaps is still matched on what it has.
 */
import type { CustomerIdentifier } from '../../mappings/canonical/types';
import { normalizeAddress, type AddressInput, type NormalizedAddress } from './normalize-address';
import {
  birthDateAsWritten,
  normalizeBirthDate,
  type BirthDateOptions,
  type NormalizedBirthDate,
} from './normalize-birth-date';
import { sexOfSalutation, type Sex } from './gendered-names';
import { normalizeEmail, type NormalizedEmail } from './normalize-email';
import { normalizedName, type NormalizedName } from './normalize-name';
import { normalizeNationalId, type NormalizedNationalId } from './normalize-national-id';
import { normalizePhone } from './normalize-phone';

export interface MatchInput {
  /** the record's own reference, "<system>:<id>", e.g. "crm:4711" */
  ref: string;
  /** "Herr", "Frau", "Mr.", "Ms."; a sex ("male", "female") where a system keeps that instead */
  salutation?: string;
  givenName?: string;
  familyName?: string;
  birthDate?: string;
  emails?: readonly string[];
  phones?: readonly string[];
  addresses?: readonly AddressInput[];
  /** ids in source systems: the record's own and any it carries for other systems */
  identifiers?: readonly CustomerIdentifier[];
  /** tax and national ids, e.g. { scheme: "de-tax-id", value: "86 095 742 719" } */
  nationalIds?: readonly { scheme: string; value: string }[];
}

export interface MatchRecord {
  ref: string;
  name: NormalizedName;
  /**
   * the sex the salutation states, else one written into a name field ("Frau Anna"); undefined for
   * "Dr.", a couple ("Herr und Frau") or none
   */
  sex?: Sex;
  birthDate?: NormalizedBirthDate;
  emails: NormalizedEmail[];
  /** E.164 */
  phones: string[];
  addresses: NormalizedAddress[];
  /** "<system>:<id>" in lower-case system, the record's own ref among them */
  identifiers: string[];
  nationalIds: NormalizedNationalId[];
  /** values that were given but could not be read, e.g. 'birthDate "30.02.1985"' */
  unreadable: string[];
}

export interface NormalizeOptions extends BirthDateOptions {
  /** country for national phone numbers when the record's address names none */
  defaultCountry: string;
}

export const DEFAULT_NORMALIZE_OPTIONS: NormalizeOptions = {
  slashOrder: 'day-first',
  referenceYear: new Date().getUTCFullYear(),
  defaultCountry: 'DE',
};

function present(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== '';
}

function identifierKey(system: string, id: string): string {
  return `${system.trim().toLowerCase()}:${id.trim()}`;
}

export function normalizeRecord(
  input: MatchInput,
  options: NormalizeOptions = DEFAULT_NORMALIZE_OPTIONS,
): MatchRecord {
  const unreadable: string[] = [];
  const read = <T>(field: string, raw: string | undefined, value: T | undefined): T | undefined => {
    if (value === undefined && present(raw)) unreadable.push(`${field} ${JSON.stringify(raw)}`);
    return value;
  };

  const addresses: NormalizedAddress[] = [];
  for (const address of input.addresses ?? []) {
    const normalized = normalizeAddress(address);
    if (normalized) addresses.push(normalized);
  }
  const country = addresses.find((a) => a.country)?.country ?? options.defaultCountry;

  const emails: NormalizedEmail[] = [];
  for (const raw of input.emails ?? []) {
    const email = read('email', raw, normalizeEmail(raw));
    if (email && !emails.some((e) => e.mailbox === email.mailbox)) emails.push(email);
  }
  const phones: string[] = [];
  for (const raw of input.phones ?? []) {
    const phone = read('phone', raw, normalizePhone(raw, country));
    if (phone && !phones.includes(phone)) phones.push(phone);
  }

  const identifiers = [identifierKey(...splitRef(input.ref))];
  for (const { system, id } of input.identifiers ?? []) {
    const key = identifierKey(system, id);
    if (present(id) && !identifiers.includes(key)) identifiers.push(key);
  }
  const nationalIds: NormalizedNationalId[] = [];
  for (const { scheme, value } of input.nationalIds ?? []) {
    const id = normalizeNationalId(scheme, value);
    if (id && !nationalIds.some((n) => n.scheme === id.scheme && n.value === id.value)) nationalIds.push(id);
  }

  const record: MatchRecord = {
    ref: input.ref,
    // shared with survivorship's reading of the same names; a match record is only read
    name: normalizedName(input.givenName, input.familyName),
    emails,
    phones,
    addresses,
    identifiers,
    nationalIds,
    unreadable,
  };
  const sex =
    sexOfSalutation(input.salutation) ??
    record.name.given?.salutationSex ??
    record.name.family?.salutationSex;
  if (sex) record.sex = sex;
  const birthDate =
    read('birthDate', input.birthDate, normalizeBirthDate(input.birthDate, options)) ??
    birthDateAsWritten(input.birthDate, options);
  if (birthDate) record.birthDate = birthDate;
  return record;
}

function splitRef(ref: string): [string, string] {
  const colon = ref.indexOf(':');
  return colon < 0 ? ['', ref] : [ref.slice(0, colon), ref.slice(colon + 1)];
}
