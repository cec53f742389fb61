/**
 * Mapped documents are checked by a verdict-only validator (first error, string lengths in code units
 * where only "not empty" is asked); it must accept and reject exactly what the full validator does,
 * and report the full validator's errors.
 */
import fc from 'fast-check';
import { compileMappingValidator, compileValidator } from '../../../mappings/validate';

const customer = {
  schemaVersion: '1.0',
  source: { system: 'sap', operation: 'DEBMAS', recordId: '4815500' },
  identifiers: [{ system: 'sap', id: '104711' }],
  addresses: [
    {
      type: 'postal',
      street: 'Hauptstraße',
      houseNumber: '5a',
      postalCode: '10115',
      city: 'Berlin',
      country: 'DE',
    },
  ],
  customerRef: 'sap:104711',
  kind: 'person',
  person: { salutation: 'Frau', title: 'Dr.', givenName: 'Anna Maria', familyName: 'Schmidt' },
  segment: 'sold-to',
  tier: 'platinum',
  phones: [{ number: '+49301234567', type: 'work' }],
  updatedAt: '2024-03-20T14:30:12.000Z',
};

type Doc = Record<string, unknown>;
const clone = (doc: Doc): Doc => structuredClone(doc);
/** The person part, made again when an earlier change took it away. */
const person = (doc: Doc): Doc => (doc.person ??= { familyName: 'X' }) as Doc;

/** Changes that make a document valid or not in all the ways the customer schema looks at. */
const changes: ((doc: Doc) => void)[] = [
  () => {},
  (doc) => delete doc.customerRef,
  (doc) => (doc.kind = 'organization'),
  (doc) => {
    doc.kind = 'organization';
    delete doc.person;
    doc.organization = { legalName: 'X GmbH', nameLines: ['X GmbH'] };
  },
  (doc) => (doc.extra = 1),
  (doc) => (person(doc).familyName = ''),
  (doc) => (person(doc).familyName = '😀'),
  (doc) => (person(doc).givenName = '\ud83d'),
  (doc) => ((doc.addresses as Doc[])[0].city = 7),
  (doc) => ((doc.addresses as Doc[])[0].country = 'de'),
  (doc) => ((doc.phones as Doc[])[0].number = '030 123'),
  (doc) => (doc.updatedAt = '2024-02-30T10:00:00Z'),
  (doc) => (doc.updatedAt = '2024-02-29T10:00:00+01:00'),
  (doc) => (doc.identifiers = []),
  (doc) => (doc.tier = 'diamond'),
  (doc) => ((doc.source as Doc).recordId = ''),
  (doc) => (doc.segment = 'Sold To'),
];

describe('validator of mapped documents', () => {
  const full = compileValidator('customer');
  const quick = compileMappingValidator('customer');

  it('is made once per schema', () => {
    expect(compileMappingValidator('customer')).toBe(quick);
  });

  it('accepts and rejects what the full validator does, with its errors', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: changes.length - 1 }), { maxLength: 3 }), (picked) => {
        const doc = clone(customer);
        for (const index of picked) changes[index](doc);
        expect(quick(doc)).toEqual(full(doc));
      }),
      { numRuns: 500 },
    );
    expect(quick(customer)).toEqual({ ok: true });
  });

  it('counts a character outside the basic plane as a non-empty string, as the full validator does', () => {
    const astral = clone(customer);
    (astral.person as Doc).title = '𝔇';
    expect(quick(astral)).toEqual({ ok: true });
    expect(full(astral)).toEqual({ ok: true });
    const empty = clone(customer);
    (empty.person as Doc).title = '';
    expect(quick(empty)).toEqual(full(empty));
    expect(quick(empty)).toMatchObject({ ok: false, errors: [{ field: 'person.title', rule: 'minLength' }] });
  });

  it('refuses a field longer than the schema allows, naming its length, and counts code points as the full validator does', () => {
    const huge = clone(customer);
    (huge.person as Doc).familyName = 'M'.repeat(2 * 1024 * 1024);
    expect(quick(huge)).toEqual(full(huge));
    expect(quick(huge)).toEqual({
      ok: false,
      errors: [
        {
          field: 'person.familyName',
          message: 'must be at most 1000 characters long; got 2097152 characters',
          rule: 'maxLength',
        },
      ],
    });
    // 1,000 characters outside the basic plane are 2,000 code units: within the limit
    const astral = clone(customer);
    (astral.person as Doc).givenName = '𝔇'.repeat(1000);
    expect(quick(astral)).toEqual({ ok: true });
    expect(full(astral)).toEqual({ ok: true });
    const longMail = clone(customer);
    longMail.emails = [{ address: `${'a'.repeat(250)}@x.de`, type: 'home' }];
    expect(quick(longMail)).toMatchObject({
      ok: false,
      errors: [{ field: 'emails[0].address', rule: 'maxLength' }],
    });
    const longId = clone(customer);
    longId.identifiers = [{ system: 'sap', id: '9'.repeat(201) }];
    expect(full(longId)).toMatchObject({
      ok: false,
      errors: [{ field: 'identifiers[0].id', rule: 'maxLength' }],
    });
  });

  it('checks the other canonical schemas the same way', () => {
    const event = {
      eventId: '7f1e2d3c-4b5a-4c6d-8e7f-9a0b1c2d3e4f',
      occurredAt: '2025-03-01T09:30:00.000Z',
      type: 'customer-changed',
      schemaVersion: '1.0',
      channel: 'erp',
      source: { system: 'test' },
      customer: { ref: 'test:1', identifiers: [] },
      data: {},
    };
    const quickEvent = compileMappingValidator('interaction-event');
    const fullEvent = compileValidator('interaction-event');
    for (const doc of [
      event,
      { ...event, eventId: 'nope' },
      { ...event, channel: '' },
      { ...event, data: 3 },
    ])
      expect(quickEvent(doc)).toEqual(fullEvent(doc));
  });
});
