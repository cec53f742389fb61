/**
 * Incomplete legacy records are data, not errors: UpsertCustomer takes in what the issue found
 * refused (no family name; a street without a city) and the gaps are flagged. Malformed values are
 * still refused, each with a specific error.
 */
import type { Customer } from '../../../mappings/canonical/types';
import { compileMapping, loadSystemSpec } from '../../../mappings/engine';
import { compileValidator } from '../../../mappings/validate';
import { assessDataQuality } from '../../../records/data-quality';

const upsert = compileMapping(loadSystemSpec('hub'), 'UpsertCustomer');
const receivedAt = Date.parse('2026-11-22T10:00:00.000Z');
const map = (customer: Record<string, unknown>) =>
  upsert.map({
    receivedAt,
    customer: { sourceSystem: 'web', sourceId: 'u-17', kind: 'person', ...customer },
  });

function accepted(customer: Record<string, unknown>): Customer {
  const result = map(customer);
  if (!result.ok) throw new Error(`refused: ${result.error.message}`);
  expect(compileValidator('customer')(result.value)).toEqual({ ok: true });
  return result.value as unknown as Customer;
}

describe('UpsertCustomer takes incomplete records in and the gaps are flagged', () => {
  it('a person without a family name', () => {
    const customer = accepted({ givenName: 'Anna', email: 'anna@example.com', birthDate: '1984-06-30' });
    expect(customer.person).toEqual({ givenName: 'Anna' });
    expect(assessDataQuality(customer)).toEqual({
      complete: false,
      gaps: ['person.familyName', 'addresses'],
      score: 0.5,
    });
  });

  it('a street without a city: the address keeps its type and street, city and country are gaps', () => {
    const customer = accepted({ familyName: 'Kaya', street: 'Hauptstraße', houseNumber: '5' });
    expect(customer.addresses).toEqual([{ type: 'home', street: 'Hauptstraße', houseNumber: '5' }]);
    expect(assessDataQuality(customer).gaps).toEqual([
      'person.givenName',
      'birthDate',
      'addresses[0].city',
      'addresses[0].postalCode',
      'addresses[0].country',
      'contact',
    ]);
  });

  it('a country alone makes no address', () => {
    expect(accepted({ familyName: 'Kaya', country: 'DE' }).addresses).toBeUndefined();
  });

  it('still refuses what is malformed, naming the field: an impossible birth date, a name that is not text', () => {
    expect(map({ familyName: 'Kaya', birthDate: '31.02.1980' })).toEqual({
      ok: false,
      error: {
        field: 'birthDate',
        sourceField: 'customer.birthDate',
        rule: 'format',
        message:
          'birthDate must be a calendar date YYYY-MM-DD such as "1984-06-30"; got "31.02.1980" (from source field "customer.birthDate")',
      },
    });
    expect(map({ familyName: { first: 'Kaya' } })).toEqual({
      ok: false,
      error: {
        field: 'person.familyName',
        sourceField: 'customer.familyName',
        rule: 'trim',
        message: 'person.familyName (from source field "customer.familyName"): trim expects text, got object',
      },
    });
    expect(map({ familyName: 'Kaya', country: 'Deutschland', city: 'Berlin' })).toMatchObject({
      ok: false,
      error: { field: 'addresses[0].country', rule: 'pattern' },
    });
  });
});

describe('data quality', () => {
  const full: Customer = {
    schemaVersion: '1.0',
    customerRef: 'crm:4711',
    kind: 'person',
    person: { givenName: 'Anna', familyName: 'Schmidt' },
    birthDate: '1985-03-12',
    addresses: [{ type: 'home', street: 'Hauptstraße', postalCode: '10115', city: 'Berlin', country: 'DE' }],
    phones: [{ number: '+4917112345678', type: 'mobile' }],
    identifiers: [{ system: 'crm', id: '4711' }],
    updatedAt: '2025-01-01T00:00:00Z',
    source: { system: 'crm' },
  };

  it('a complete person scores 1 with no gaps', () => {
    expect(assessDataQuality(full)).toEqual({ complete: true, gaps: [], score: 1 });
  });

  it('weighs the gaps: a missing family name costs more than a missing birth date', () => {
    const noFamily = assessDataQuality({ ...full, person: { givenName: 'Anna' } });
    const noBirth = assessDataQuality({ ...full, birthDate: undefined });
    expect(noFamily).toEqual({ complete: false, gaps: ['person.familyName'], score: 0.75 });
    expect(noBirth).toEqual({ complete: false, gaps: ['birthDate'], score: 0.83 });
  });

  it('names the gaps of every address, split by position, and street lines count as a street', () => {
    const quality = assessDataQuality({
      ...full,
      addresses: [
        { type: 'home', streetLines: ['Postfach 12 34'], postalCode: '10115', city: 'Berlin', country: 'DE' },
        { type: 'billing', street: 'Ring 1' },
      ],
    });
    expect(quality.gaps).toEqual(['addresses[1].city', 'addresses[1].postalCode', 'addresses[1].country']);
  });

  it('an organization is judged on its legal name, not on a birth date', () => {
    const org: Customer = {
      ...full,
      kind: 'organization',
      person: undefined,
      birthDate: undefined,
      organization: { nameLines: ['Muster Bau'] },
    };
    expect(assessDataQuality(org).gaps).toEqual(['organization.legalName']);
  });
});
