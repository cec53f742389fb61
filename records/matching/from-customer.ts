/**
 * A canonical customer as a match input. The canonical model keeps tax and national ids among the
 * identifiers, under a system named after the scheme ({ system: "de-tax-id", id: "86095742719" });
 * those systems are read as national ids, every other identifier as a source-system id.
 * An organisation is matched on its legal name in place of the family name. A person's salutation
 * goes along: one of opposite sex tells a brother from his sister (gendered-names.ts).
 */
import type { Customer } from '../../mappings/canonical/types';
import type { MatchInput } from './match-record';

export const NATIONAL_ID_SYSTEMS: readonly string[] = ['de-tax-id', 'us-ssn', 'national-id', 'tax-id'];

export function matchInputFromCustomer(
  customer: Customer,
  nationalIdSystems: readonly string[] = NATIONAL_ID_SYSTEMS,
): MatchInput {
  const input: MatchInput = {
    ref: customer.customerRef,
    identifiers: customer.identifiers.filter((i) => !nationalIdSystems.includes(i.system)),
    nationalIds: customer.identifiers
      .filter((i) => nationalIdSystems.includes(i.system))
      .map((i) => ({ scheme: i.system, value: i.id })),
    emails: (customer.emails ?? []).map((e) => e.address),
    phones: (customer.phones ?? []).map((p) => p.number),
    addresses: customer.addresses ?? [],
  };
  if (customer.person) {
    const { salutation, givenName, middleNames, familyName } = customer.person;
    if (salutation !== undefined) input.salutation = salutation;
    if (givenName !== undefined) input.givenName = [givenName, ...(middleNames ?? [])].join(' ');
    input.familyName = familyName;
  } else if (customer.organization) {
    input.familyName = customer.organization.legalName;
  }
  if (customer.birthDate !== undefined) input.birthDate = customer.birthDate;
  return input;
}
