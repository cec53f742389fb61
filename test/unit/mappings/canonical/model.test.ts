import {
  ACCOUNT_STATUSES,
  ACCOUNT_TYPES,
  ADDRESS_TYPES,
  CHANNELS,
  CONSENT_CHANNELS,
  CONSENT_STATUSES,
  CUSTOMER_TIERS,
  EMAIL_TYPES,
  OFFER_ACTIONS,
  OFFER_STATUSES,
  PHONE_TYPES,
  PROCESS_STATUSES,
  RESPONSE_OUTCOMES,
  type Account,
  type CanonicalDocuments,
  type CanonicalSchemaName,
  type Customer,
  type InteractionEvent,
  type Offer,
  type OfferResponse,
  type ProcessState,
} from '../../../../mappings/canonical/types';
import { compileValidator, loadCanonicalSchema, resolveCanonicalRef } from '../../../../mappings/validate';

/** Every optional key present at every level, so a sample of it lists the whole type. */
type Complete<T> = T extends readonly (infer U)[]
  ? Complete<U>[]
  : T extends object
    ? { [K in keyof T]-?: Complete<T[K]> }
    : T;

const source = {
  system: 'crm',
  operation: 'UpdateCustomer',
  recordId: 'r-88',
  version: 88,
  statedUpdatedAt: '2031-03-01T09:30:00Z',
};

const person: Customer = {
  schemaVersion: '1.0',
  customerRef: 'crm:4711',
  kind: 'person',
  person: {
    salutation: 'Frau',
    title: 'Dr.',
    givenName: 'Anna',
    middleNames: ['Maria'],
    familyName: 'Muster',
  },
  birthDate: '1984-06-30',
  tier: 'platinum',
  segment: 'young-professionals',
  addresses: [
    {
      type: 'home',
      street: 'Leopoldstraße',
      houseNumber: '12a',
      streetLines: ['Leopoldstraße 12a', '3. OG'],
      postalCode: '80802',
      city: 'München',
      region: 'Bayern',
      country: 'DE',
      validFrom: '2025-02-01',
    },
  ],
  phones: [{ number: '+4917112345678', type: 'mobile', preferred: true }],
  emails: [{ address: 'anna.muster@example.com', type: 'home', preferred: true }],
  consents: [
    {
      channel: 'email',
      purpose: 'marketing',
      status: 'granted',
      at: '2024-11-02T08:15:00Z',
      source: {
        system: 'web',
        operation: 'newsletter-signup',
        recordId: 'f-1',
        version: 3,
        statedUpdatedAt: '2031-11-02T08:15:00Z',
      },
    },
  ],
  identifiers: [
    { system: 'crm', id: '4711' },
    { system: 'sap', id: '0000104711' },
  ],
  updatedAt: '2025-03-01T09:30:00Z',
  source,
};

const organization: Customer = {
  schemaVersion: '1.0',
  customerRef: 'sap:0000200001',
  kind: 'organization',
  organization: { legalName: 'Muster Bau GmbH', nameLines: ['Muster Bau GmbH', 'Niederlassung Süd'] },
  tier: 'gold',
  salesArea: { salesOrg: '1000', distributionChannel: '10', division: '00' },
  addresses: [
    { type: 'billing', streetLines: ['Postfach 12 34'], postalCode: '80001', city: 'München', country: 'DE' },
  ],
  identifiers: [{ system: 'sap', id: '0000200001' }],
  updatedAt: '2025-03-01T09:30:00Z',
  source: { system: 'sap' },
};

const completeCustomer: Complete<Customer> = {
  ...(person as Complete<Customer>),
  organization: { legalName: 'x', nameLines: ['x'] },
  salesArea: { salesOrg: '1000', distributionChannel: '10', division: '00' },
  dataQuality: { complete: false, gaps: ['contact'], score: 0.9, futureDated: ['sap:200001'] },
};

const account: Complete<Account> = {
  schemaVersion: '1.0',
  accountRef: 'core-banking:0012345678',
  customerRef: 'crm:4711',
  type: 'current',
  iban: 'DE89370400440532013000',
  currency: 'EUR',
  balance: { value: 12500.5, currency: 'EUR' },
  openedOn: '2010-04-01',
  closedOn: '2025-01-31',
  status: 'closed',
  identifiers: [{ system: 'core-banking', id: '0012345678' }],
  updatedAt: '2025-03-01T09:30:00Z',
  source: {
    system: 'core-banking',
    operation: 'daily-export',
    recordId: 'line-17',
    version: 17,
    statedUpdatedAt: '2031-03-01T09:30:00Z',
  },
};

const event: Complete<InteractionEvent> = {
  eventId: '0b6e6f5c-3c1a-4d8e-9f5b-2a7c1e4d9b10',
  schemaVersion: '1.0',
  type: 'address-changed',
  occurredAt: '2025-01-31T10:00:00Z',
  channel: 'call-center',
  source: {
    system: 'crm',
    operation: 'ReportAddressChange',
    recordId: 'r-1',
    version: 4815402,
    statedUpdatedAt: '2031-01-31T10:00:00Z',
  },
  customer: { ref: 'crm:4711', identifiers: [{ system: 'crm', id: '4711' }] },
  account: { ref: 'core-banking:0012345678', type: 'savings' },
  amount: { value: 15000, currency: 'EUR' },
  data: { address: { street: 'Leopoldstraße 12', postalCode: '80802', city: 'München', country: 'DE' } },
};

const offer: Complete<Offer> = {
  schemaVersion: '1.0',
  offerId: '5d1c0f7e-8a3b-4c2d-9e1f-0a1b2c3d4e5f',
  customerRef: 'crm:4711',
  channel: 'web',
  action: 'web-offer',
  offerCode: 'mortgage-top-up',
  assignee: 'sales-rep',
  policyId: 'address-change-mortgage',
  eventId: '0b6e6f5c-3c1a-4d8e-9f5b-2a7c1e4d9b10',
  priority: 80,
  title: { de: 'Ihre neue Wohnung finanzieren', en: 'Finance your new home' },
  createdAt: '2025-01-31T10:00:01Z',
  expiresAt: '2025-02-28T23:59:59Z',
  status: 'open',
};

const response: Complete<OfferResponse> = {
  schemaVersion: '1.0',
  responseId: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
  offerId: offer.offerId,
  policyId: 'address-change-mortgage',
  customerRef: 'crm:4711',
  channel: 'web',
  outcome: 'clicked',
  occurredAt: '2025-02-01T18:20:00Z',
};

const processState: Complete<ProcessState> = {
  schemaVersion: '1.0',
  processId: '3f2e1d0c-9b8a-4765-a432-10fedcba9876',
  customerRef: 'crm:4711',
  kind: 'mortgage-application',
  startedOn: 'web',
  lastChannel: 'call-center',
  step: 'income-details',
  status: 'open',
  data: { loanAmount: 250000, propertyType: 'flat' },
  startedAt: '2025-02-01T18:25:00Z',
  updatedAt: '2025-02-03T11:00:00Z',
  expiresAt: '2025-03-03T11:00:00Z',
};

// Each entity: one sample with every key (for the drift check) and the valid full/minimal examples.
const entities: { [N in CanonicalSchemaName]: { complete: unknown; valid: CanonicalDocuments[N][] } } = {
  customer: {
    complete: completeCustomer,
    valid: [
      person,
      organization,
      {
        schemaVersion: '1.0',
        customerRef: 'crm:1',
        kind: 'person',
        person: { familyName: 'Muster' },
        identifiers: [{ system: 'crm', id: '1' }],
        updatedAt: '2025-03-01T09:30:00Z',
        source: { system: 'crm' },
      },
    ],
  },
  account: {
    complete: account,
    valid: [
      account,
      {
        schemaVersion: '1.0',
        accountRef: 'core-banking:1',
        customerRef: 'crm:1',
        type: 'savings',
        currency: 'CHF',
        status: 'open',
        identifiers: [{ system: 'core-banking', id: '1' }],
        updatedAt: '2025-03-01T09:30:00Z',
        source: { system: 'core-banking' },
      },
    ],
  },
  'interaction-event': {
    complete: event,
    valid: [
      event,
      {
        eventId: '0b6e6f5c-3c1a-4d8e-9f5b-2a7c1e4d9b11',
        schemaVersion: '1.0',
        type: 'login',
        occurredAt: '2025-01-31T10:00:00Z',
        channel: 'app',
        source: { system: 'app' },
        customer: { ref: 'crm:1', identifiers: [] },
        data: {},
      },
    ],
  },
  offer: {
    complete: offer,
    valid: [
      offer,
      {
        schemaVersion: '1.0',
        offerId: '5d1c0f7e-8a3b-4c2d-9e1f-0a1b2c3d4e50',
        customerRef: 'crm:1',
        channel: 'call-center',
        action: 'call-task',
        policyId: 'platinum-large-withdrawal',
        priority: 0,
        title: { de: 'Kunde anrufen', en: 'Call the customer' },
        createdAt: '2025-01-31T10:00:01Z',
        status: 'open',
      },
    ],
  },
  response: {
    complete: response,
    valid: [
      response,
      {
        schemaVersion: '1.0',
        responseId: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c60',
        offerId: offer.offerId,
        customerRef: 'crm:1',
        channel: 'sms',
        outcome: 'ignored',
        occurredAt: '2025-02-01T18:20:00Z',
      },
    ],
  },
  'process-state': {
    complete: processState,
    valid: [
      processState,
      {
        schemaVersion: '1.0',
        processId: '3f2e1d0c-9b8a-4765-a432-10fedcba9870',
        customerRef: 'crm:1',
        kind: 'mortgage-application',
        startedOn: 'app',
        lastChannel: 'app',
        step: 'start',
        status: 'abandoned',
        data: {},
        updatedAt: '2025-02-03T11:00:00Z',
      },
    ],
  },
};
const names = Object.keys(entities) as CanonicalSchemaName[];

type Node = Record<string, unknown>;
const isNode = (value: unknown): value is Node =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Follows $refs (local and into common.schema.json) and returns the node and the schema it sits in. */
function deref(node: unknown, within: Node): { node: Node; within: Node } {
  if (isNode(node) && typeof node.$ref === 'string') {
    const target = resolveCanonicalRef(node.$ref, within);
    if (!target || !isNode(target.node)) throw new Error(`unresolvable $ref ${node.$ref}`);
    return { node: target.node, within: target.within };
  }
  if (!isNode(node)) throw new Error(`not a schema object: ${JSON.stringify(node)}`);
  return { node, within };
}

/** Every place where the schema's property names and the sample's keys differ, as "path: ..." lines. */
function drift(schemaNode: unknown, within: Node, sample: unknown, path: string): string[] {
  const { node, within: base } = deref(schemaNode, within);
  if (Array.isArray(sample)) {
    if (node.items === undefined) return [`${path}: array in the type, no items in the schema`];
    return sample.flatMap((item, index) => drift(node.items, base, item, `${path}[${index}]`));
  }
  if (!isNode(sample) || !isNode(node.properties)) return [];
  const properties = node.properties;
  const schemaKeys = Object.keys(properties).sort();
  const typeKeys = Object.keys(sample).sort();
  const problems =
    schemaKeys.join() === typeKeys.join()
      ? []
      : [`${path || '(root)'}: schema has [${schemaKeys.join(', ')}], type has [${typeKeys.join(', ')}]`];
  for (const key of typeKeys) {
    if (key in properties)
      problems.push(...drift(properties[key], base, sample[key], path ? `${path}.${key}` : key));
  }
  return problems;
}

/** The schema node at a dotted path ("addresses.type", "[]" steps into items). */
function schemaAt(name: string, path: string): Node {
  let at = deref(loadCanonicalSchema(name), loadCanonicalSchema(name));
  for (const step of path.split('.')) {
    const props = at.node.properties;
    at =
      step === '[]'
        ? deref(at.node.items, at.within)
        : deref(isNode(props) ? props[step] : undefined, at.within);
  }
  return at.node;
}

describe('canonical model: every entity', () => {
  it.each(names)('%s: the full and the minimal example validate', (name) => {
    const validate = compileValidator(name);
    for (const doc of entities[name].valid) expect(validate(doc)).toEqual({ ok: true });
  });

  it.each(names)('%s: schema property names equal the type keys at every level', (name) => {
    const schema = loadCanonicalSchema(name);
    expect(drift(schema, schema, entities[name].complete, '')).toEqual([]);
  });

  it('the drift check notices a renamed key, a missing key and a nested extra key', () => {
    const schema = loadCanonicalSchema('customer');
    const renamed = { ...completeCustomer, tiers: 'gold' } as Record<string, unknown>;
    delete renamed.tier;
    expect(drift(schema, schema, renamed, '')).toEqual([expect.stringMatching(/^\(root\): .*tiers/)]);
    const nested = { ...completeCustomer, phones: [{ ...completeCustomer.phones[0], extension: '12' }] };
    expect(drift(schema, schema, nested, '')).toEqual([expect.stringMatching(/^phones\[0\]: .*extension/)]);
  });

  it('enum lists in types.ts equal the schema enums', () => {
    const enumOf = (name: string, path: string): unknown => schemaAt(name, path).enum;
    expect(enumOf('customer', 'tier')).toEqual([...CUSTOMER_TIERS]);
    expect(enumOf('customer', 'addresses.[].type')).toEqual([...ADDRESS_TYPES]);
    expect(enumOf('customer', 'phones.[].type')).toEqual([...PHONE_TYPES]);
    expect(enumOf('customer', 'emails.[].type')).toEqual([...EMAIL_TYPES]);
    expect(enumOf('customer', 'consents.[].channel')).toEqual([...CONSENT_CHANNELS]);
    expect(enumOf('customer', 'consents.[].status')).toEqual([...CONSENT_STATUSES]);
    expect(enumOf('account', 'type')).toEqual([...ACCOUNT_TYPES]);
    expect(enumOf('account', 'status')).toEqual([...ACCOUNT_STATUSES]);
    expect(enumOf('interaction-event', 'account.type')).toEqual([...ACCOUNT_TYPES]);
    expect(enumOf('offer', 'action')).toEqual([...OFFER_ACTIONS]);
    expect(enumOf('offer', 'status')).toEqual([...OFFER_STATUSES]);
    expect(enumOf('offer', 'channel')).toEqual([...CHANNELS]);
    expect(enumOf('response', 'outcome')).toEqual([...RESPONSE_OUTCOMES]);
    expect(enumOf('process-state', 'status')).toEqual([...PROCESS_STATUSES]);
    expect(enumOf('process-state', 'startedOn')).toEqual([...CHANNELS]);
  });
});

describe('canonical model: bad documents name the field and say what is wrong', () => {
  const customer = compileValidator('customer');
  const withAddress = (change: object): unknown => ({
    ...person,
    addresses: [{ ...person.addresses![0], ...change }],
  });

  it('a country that is not ISO 3166-1 alpha-2', () => {
    expect(customer(withAddress({ country: 'Germany' }))).toEqual({
      ok: false,
      errors: [
        {
          field: 'addresses[0].country',
          message: 'must be an ISO 3166-1 alpha-2 country code such as "DE"; got "Germany"',
          rule: 'pattern',
        },
      ],
    });
  });

  it('a phone number that is not E.164', () => {
    expect(customer({ ...person, phones: [{ number: '0171 1234567', type: 'mobile' }] })).toEqual({
      ok: false,
      errors: [
        {
          field: 'phones[0].number',
          message:
            'must be an E.164 phone number such as "+4917112345678" (plus sign, country code, digits only); got "0171 1234567"',
          rule: 'pattern',
        },
      ],
    });
  });

  it('an e-mail address with upper case, and one that is no e-mail address at all', () => {
    const result = customer({
      ...person,
      emails: [
        { address: 'Anna.Muster@Example.com', type: 'home' },
        { address: 'anna at example', type: 'work' },
      ],
    });
    expect(result).toEqual({
      ok: false,
      errors: [
        {
          field: 'emails[0].address',
          message:
            'must be a lower-case e-mail address such as "anna.muster@example.com"; got "Anna.Muster@Example.com"',
          rule: 'pattern',
        },
        {
          field: 'emails[1].address',
          message:
            'must be a lower-case e-mail address such as "anna.muster@example.com"; got "anna at example"',
          rule: 'format',
        },
      ],
    });
  });

  it('a currency that is not ISO 4217, at the top and inside Money', () => {
    const result = compileValidator('account')({
      ...account,
      currency: 'EURO',
      balance: { value: 1, currency: 'euro' },
    });
    expect(result).toEqual({
      ok: false,
      errors: [
        {
          field: 'currency',
          message: 'must be an ISO 4217 currency code such as "EUR"; got "EURO"',
          rule: 'pattern',
        },
        {
          field: 'balance.currency',
          message: 'must be an ISO 4217 currency code such as "EUR"; got "euro"',
          rule: 'pattern',
        },
      ],
    });
  });

  it('unknown properties, at the top and nested', () => {
    const result = customer({ ...person, nickname: 'Anni', person: { ...person.person, nick: 'A' } });
    expect(result).toEqual({
      ok: false,
      errors: [
        { field: 'nickname', message: 'is not allowed here', rule: 'additionalProperties' },
        { field: 'person.nick', message: 'is not allowed here', rule: 'additionalProperties' },
      ],
    });
  });

  it('missing or empty identifiers', () => {
    const { identifiers: _identifiers, ...withoutIds } = person;
    expect(customer(withoutIds)).toEqual({
      ok: false,
      errors: [{ field: 'identifiers', message: 'is required', rule: 'required' }],
    });
    expect(customer({ ...person, identifiers: [] })).toEqual({
      ok: false,
      errors: [{ field: 'identifiers', message: 'must have at least 1 item', rule: 'minItems' }],
    });
    expect(
      compileValidator('account')({ ...account, identifiers: [{ system: 'Core Banking', id: '' }] }),
    ).toEqual({
      ok: false,
      errors: [
        {
          field: 'identifiers[0].system',
          message: 'must be a kebab-case system id such as "crm" or "core-banking"; got "Core Banking"',
          rule: 'pattern',
        },
        { field: 'identifiers[0].id', message: 'must not be empty', rule: 'minLength' },
      ],
    });
  });

  it('person and organization names follow the kind', () => {
    // A missing name is a gap (dataQuality), not an error; a name of the other kind is.
    const { person: _name, ...nameless } = person;
    expect(customer(nameless)).toEqual({ ok: true });
    expect(customer({ ...person, person: { givenName: 'Anna' } })).toEqual({ ok: true });
    expect(customer({ ...organization, birthDate: '1999-01-01', person: { familyName: 'X' } })).toEqual({
      ok: false,
      errors: [
        { field: 'person', message: 'is not allowed here', rule: 'not-allowed' },
        { field: 'birthDate', message: 'is not allowed here', rule: 'not-allowed' },
      ],
    });
    expect(customer({ ...person, kind: 'household' })).toEqual({
      ok: false,
      errors: [{ field: 'kind', message: 'must be one of: person, organization', rule: 'enum' }],
    });
  });

  it('dates, refs, tiers and types', () => {
    const result = customer({
      ...person,
      customerRef: '4711',
      birthDate: '1984-02-30',
      tier: 'diamond',
      addresses: [{ ...person.addresses![0], validFrom: '01.02.2025', streetLines: 'Leopoldstraße 12a' }],
      phones: [{ number: 4917112345678, type: 'mobile' }],
    });
    expect(result).toEqual({
      ok: false,
      errors: expect.arrayContaining([
        {
          field: 'customerRef',
          message: 'must be "<system>:<id>" such as "crm:4711"; got "4711"',
          rule: 'pattern',
        },
        {
          field: 'birthDate',
          message: 'must be a calendar date YYYY-MM-DD such as "1984-06-30"; got "1984-02-30"',
          rule: 'format',
        },
        { field: 'tier', message: 'must be one of: basic, silver, gold, platinum', rule: 'enum' },
        {
          field: 'addresses[0].validFrom',
          message: 'must be a calendar date YYYY-MM-DD such as "1984-06-30"; got "01.02.2025"',
          rule: 'format',
        },
        { field: 'addresses[0].streetLines', message: 'must be an array', rule: 'type' },
        {
          field: 'phones[0].number',
          message:
            'must be an E.164 phone number such as "+4917112345678" (plus sign, country code, digits only); got 4917112345678',
          rule: 'type',
        },
      ]),
    });
    if (!result.ok) expect(result.errors).toHaveLength(6);
  });

  it('offers, responses, process states and the event account', () => {
    expect(compileValidator('offer')({ ...offer, title: { de: 'Nur deutsch' }, priority: 1.5 })).toEqual({
      ok: false,
      errors: [
        { field: 'priority', message: 'must be an integer', rule: 'type' },
        { field: 'title.en', message: 'is required', rule: 'required' },
      ],
    });
    expect(compileValidator('response')({ ...response, outcome: 'maybe' })).toEqual({
      ok: false,
      errors: [
        {
          field: 'outcome',
          message: 'must be one of: accepted, rejected, ignored, clicked, converted, declined',
          rule: 'enum',
        },
      ],
    });
    expect(compileValidator('process-state')({ ...processState, lastChannel: 'fax', data: [] })).toEqual({
      ok: false,
      errors: [
        {
          field: 'lastChannel',
          message: 'must be one of: call-center, web, app, branch, erp, core-banking, email, sms',
          rule: 'enum',
        },
        { field: 'data', message: 'must be an object', rule: 'type' },
      ],
    });
    expect(
      compileValidator('interaction-event')({ ...event, account: { ref: '0012345678', type: 'giro' } }),
    ).toEqual({
      ok: false,
      errors: [
        {
          field: 'account.ref',
          message: 'must be "<system>:<id>" such as "crm:4711"; got "0012345678"',
          rule: 'pattern',
        },
        {
          field: 'account.type',
          message: 'must be one of: current, savings, deposit, loan, mortgage, card, securities, other',
          rule: 'enum',
        },
      ],
    });
  });

  it('a long rejected value is shortened in the message', () => {
    const result = customer(withAddress({ country: 'x'.repeat(200) }));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0].message).toMatch(/; got "x{50,56}\.\.\.$/);
  });
});
