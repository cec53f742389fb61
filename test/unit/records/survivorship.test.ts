/** Survivorship per attribute: trust, recency, completeness, tie-break; lineage; stale versions; events. */
import type { Customer, InteractionEvent } from '../../../mappings/canonical/types';
import { compileValidator } from '../../../mappings/validate';
import type { SourceRecord } from '../../../records/source-versions';
import { computeGolden, type GoldenRecord } from '../../../records/survivorship';
import { compileTrust, type TrustConfig } from '../../../records/trust';

const GOLDEN = 'g-0000000000000000000000000a';

/** SAP is the master for addresses and the name; the CRM for contacts; the web shop least. */
const TRUST: TrustConfig = {
  default: 1,
  systems: {
    sap: { default: 5, attributes: { addresses: 9, name: 8 } },
    crm: { default: 5, attributes: { contacts: 8 } },
    web: { default: 2 },
  },
};

function person(system: string, id: string, fields: Partial<Customer> = {}): Partial<Customer> {
  return {
    schemaVersion: '1.0',
    customerRef: `${system}:${id}`,
    kind: 'person',
    identifiers: [{ system, id }],
    source: { system },
    ...fields,
  };
}

function record(
  system: string,
  sourceId: string,
  updatedAt: string,
  fields: Partial<Customer> = {},
  version?: number,
): SourceRecord {
  return {
    system,
    sourceId,
    updatedAt,
    document: person(system, sourceId, { updatedAt, ...fields }),
    ...(version !== undefined ? { version } : {}),
  };
}

function addressChanged(
  eventId: string,
  occurredAt: string,
  street: string,
  channel: 'call-center' | 'app' = 'call-center',
): InteractionEvent {
  return {
    eventId,
    schemaVersion: '1.0',
    type: 'address-changed',
    occurredAt,
    channel,
    source: { system: channel === 'app' ? 'app-events' : 'crm', operation: 'ReportAddressChange' },
    customer: { ref: 'crm:4711', identifiers: [{ system: 'crm', id: '4711' }] },
    data: { address: { street, postalCode: '80802', city: 'München', country: 'DE' } },
  };
}

const golden = (
  records: SourceRecord[],
  events: InteractionEvent[] = [],
  trust: TrustConfig = TRUST,
): GoldenRecord => computeGolden({ goldenId: GOLDEN, records, events, trust });

const sapAddress = {
  type: 'postal' as const,
  street: 'Hauptstraße',
  houseNumber: '5',
  postalCode: '10115',
  city: 'Berlin',
  country: 'DE',
};

describe('survivorship rules, in order', () => {
  it('trust first: the master wins an attribute it is trusted for, even when another source is newer', () => {
    const g = golden([
      record('sap', '80042', '2025-01-01T00:00:00Z', { addresses: [sapAddress] }),
      record('crm', '4711', '2025-06-01T00:00:00Z', {
        addresses: [
          {
            type: 'home',
            street: 'Neue Gasse',
            houseNumber: '1',
            postalCode: '80331',
            city: 'München',
            country: 'DE',
          },
        ],
      }),
    ]);
    expect(g.document.addresses).toEqual([sapAddress]);
    expect(g.lineage['addresses[0]']).toEqual({
      source: { system: 'sap', sourceId: '80042' },
      rule: 'trust',
      at: '2025-01-01T00:00:00.000Z',
    });
  });

  it('then recency among equally trusted sources', () => {
    const g = golden([
      record('crm', '4711', '2025-01-01T00:00:00Z', { tier: 'silver' }),
      record('sap', '80042', '2025-03-01T10:00:00+02:00', { tier: 'gold' }),
    ]);
    expect(g.document.tier).toBe('gold');
    expect(g.lineage.tier).toMatchObject({
      source: { system: 'sap' },
      rule: 'recency',
      at: '2025-03-01T08:00:00.000Z',
    });
  });

  it('then completeness: the fuller address, the full given name over an initial', () => {
    const at = '2025-01-01T00:00:00Z';
    const g = golden(
      [
        record('crm', '4711', at, {
          person: { givenName: 'A.', familyName: 'Schmidt' },
          addresses: [{ type: 'home', street: 'Hauptstraße', city: 'Berlin', country: 'DE' }],
        }),
        record('web', 'u-1', at, {
          person: { givenName: 'Anna', familyName: 'Schmidt' },
          addresses: [
            {
              type: 'home',
              street: 'Hauptstraße',
              houseNumber: '5',
              postalCode: '10115',
              city: 'Berlin',
              country: 'DE',
            },
          ],
        }),
      ],
      [],
      { default: 1 },
    );
    expect(g.document.person?.givenName).toBe('Anna');
    expect(g.lineage['person.givenName']).toMatchObject({ source: { system: 'web' }, rule: 'completeness' });
    expect(g.document.addresses?.[0].postalCode).toBe('10115');
    expect(g.lineage['addresses[0]']).toMatchObject({ source: { system: 'web' }, rule: 'completeness' });
  });

  it('then a deterministic tie-break: the smaller system id', () => {
    const at = '2025-01-01T00:00:00Z';
    const g = golden(
      [record('web', 'u-1', at, { segment: 'students' }), record('crm', '4711', at, { segment: 'retirees' })],
      [],
      {},
    );
    expect(g.document.segment).toBe('retirees');
    expect(g.lineage.segment).toMatchObject({
      source: { system: 'crm', sourceId: '4711' },
      rule: 'tie-break',
    });
  });

  it('a missing value never wins: the newest, most trusted source without a birth date does not blank it', () => {
    const g = golden([
      record('web', 'u-1', '2024-01-01T00:00:00Z', {
        birthDate: '1985-03-12',
        person: { givenName: 'Anna' },
      }),
      record('sap', '80042', '2025-01-01T00:00:00Z', { person: { familyName: 'Schmidt' }, birthDate: '' }),
    ]);
    expect(g.document.birthDate).toBe('1985-03-12');
    expect(g.lineage.birthDate).toMatchObject({ source: { system: 'web' }, rule: 'sole-source' });
    expect(g.document.person).toEqual({ givenName: 'Anna', familyName: 'Schmidt' });
  });

  it('decides each attribute on its own: name from SAP, contacts from the CRM, and lineage for each', () => {
    const g = golden([
      record('sap', '80042', '2025-01-01T00:00:00Z', {
        person: { givenName: 'Anna', familyName: 'Schmidt-Weber' },
        emails: [{ address: 'old@example.com', type: 'home' }],
      }),
      record('crm', '4711', '2024-01-01T00:00:00Z', {
        person: { givenName: 'Anna', familyName: 'Schmidt' },
        emails: [
          { address: 'anna@example.com', type: 'home' },
          { address: 'anna.schmidt@firma.de', type: 'work', preferred: true },
        ],
        phones: [{ number: '+4917112345678', type: 'mobile' }],
      }),
    ]);
    expect(g.document.person?.familyName).toBe('Schmidt-Weber');
    expect(g.lineage['person.familyName'].source.system).toBe('sap');
    // the preferred address first, then by type
    expect(g.document.emails).toEqual([
      { address: 'anna.schmidt@firma.de', type: 'work', preferred: true },
      { address: 'anna@example.com', type: 'home' },
    ]);
    expect(g.lineage['emails[0]']).toMatchObject({ source: { system: 'crm' }, rule: 'sole-source' });
    expect(g.lineage['emails[1]']).toMatchObject({ source: { system: 'crm' }, rule: 'trust' });
    expect(g.lineage['phones[0]'].source.system).toBe('crm');
  });

  it('consents rank by recency first: a later withdrawal in a less trusted system is not undone by the master', () => {
    const g = golden([
      record('sap', '80042', '2025-06-01T00:00:00Z', {
        consents: [
          {
            channel: 'email',
            purpose: 'marketing',
            status: 'granted',
            at: '2024-01-01T00:00:00Z',
            source: { system: 'sap' },
          },
        ],
      }),
      record('web', 'u-1', '2025-02-01T00:00:00Z', {
        consents: [
          {
            channel: 'email',
            purpose: 'marketing',
            status: 'withdrawn',
            at: '2025-02-01T00:00:00Z',
            source: { system: 'web' },
          },
        ],
      }),
    ]);
    expect(g.document.consents).toEqual([
      {
        channel: 'email',
        purpose: 'marketing',
        status: 'withdrawn',
        at: '2025-02-01T00:00:00Z',
        source: { system: 'web' },
      },
    ]);
    expect(g.lineage['consents[0]']).toMatchObject({
      source: { system: 'web' },
      rule: 'recency',
      at: '2025-02-01T00:00:00.000Z',
    });
  });

  it('identifiers: every member key, and ids held for other schemes; a member system speaks for its own ids', () => {
    const g = golden([
      record('sap', '80042', '2025-01-01T00:00:00Z', {
        identifiers: [
          { system: 'sap', id: '80042' },
          { system: 'crm', id: '9999' },
          { system: 'de-tax-id', id: '86095742719' },
        ],
      }),
      record('crm', '4711', '2025-01-01T00:00:00Z'),
    ]);
    expect(g.document.identifiers).toEqual([
      { system: 'crm', id: '4711' },
      { system: 'de-tax-id', id: '86095742719' },
      { system: 'sap', id: '80042' },
    ]);
    expect(g.lineage['identifiers[1]']).toMatchObject({ source: { system: 'sap' }, rule: 'sole-source' });
  });

  it('a source that calls the customer an organization gives no person name', () => {
    const g = golden([
      record('sap', '80042', '2025-01-01T00:00:00Z', { person: { familyName: 'Schmidt' } }),
      {
        system: 'web',
        sourceId: 'u-1',
        updatedAt: '2024-01-01T00:00:00Z',
        document: { kind: 'organization', organization: { legalName: 'Schmidt GmbH' } },
      },
    ]);
    expect(g.document.kind).toBe('person');
    expect(g.document.person).toEqual({ familyName: 'Schmidt' });
    expect(g.document.organization).toBeUndefined();
  });

  it("keeps one person's name together: no salutation or title from a source naming someone else", () => {
    // a steward's forced link of two people of one family name; equal trust, the later record wins
    const linked = golden(
      [
        record('crm', '1', '2024-01-01T00:00:00Z', {
          person: { salutation: 'Frau', givenName: 'Anna', familyName: 'Schmidt' },
        }),
        record('shop', '2', '2024-02-01T00:00:00Z', {
          person: { title: 'Dr.', givenName: 'Hans', familyName: 'Schmidt' },
        }),
      ],
      [],
      { default: 1 },
    );
    expect(linked.document.person).toEqual({ title: 'Dr.', givenName: 'Hans', familyName: 'Schmidt' });
    expect(linked.lineage['person.salutation']).toBeUndefined();
    expect(linked.lineage['person.title']).toMatchObject({ source: { system: 'shop' }, rule: 'sole-source' });
  });

  it('still lends a part to a name that agrees: a nickname, an initial, a typo, or no given name at all', () => {
    const nickname = golden(
      [
        record('sap', '1', '2024-01-01T00:00:00Z', {
          person: { salutation: 'Herr', title: 'Prof.', givenName: 'Johannes', familyName: 'Schmidt' },
        }),
        record('crm', '2', '2024-02-01T00:00:00Z', { person: { givenName: 'Hans', familyName: 'Schmitt' } }),
      ],
      [],
      { default: 1 },
    );
    expect(nickname.document.person).toEqual({
      salutation: 'Herr',
      title: 'Prof.',
      givenName: 'Hans',
      familyName: 'Schmitt',
    });
    // the master knows only "Frau Schmidt"; the newer CRM record calls her Anna Müller since her
    // marriage: the master's family name, the CRM's given name, the master's salutation
    const married = golden([
      record('sap', '1', '2024-01-01T00:00:00Z', { person: { salutation: 'Frau', familyName: 'Schmidt' } }),
      record('crm', '2', '2024-02-01T00:00:00Z', {
        person: { title: 'Dr.', givenName: 'Anna', familyName: 'Müller' },
      }),
    ]);
    expect(married.document.person).toEqual({ salutation: 'Frau', givenName: 'Anna', familyName: 'Schmidt' });
    expect(married.lineage['person.givenName']).toMatchObject({
      source: { system: 'crm' },
      rule: 'sole-source',
    });
  });

  it('reads a source with swapped name fields crosswise when the others agree on the order', () => {
    // the tester's case: equal trust, so recency decides, and the newest source (Siebel) holds
    // "Schmidt" as its first name and "Anna" as its last name
    const records = [
      record('sap', '100001', '2025-03-01T00:00:00Z', {
        person: { salutation: 'Frau', givenName: 'Anna', familyName: 'Schmidt' },
      }),
      record('salesforce', '003A000001', '2025-03-02T00:00:00Z', {
        person: { givenName: 'Anna', familyName: 'Schmidt' },
      }),
      record('siebel', '1-ANNA', '2025-03-03T00:00:00Z', {
        person: { givenName: 'Schmidt', familyName: 'Anna' },
      }),
    ];
    const g = golden(records, [], { default: 50 });
    expect(g.document.person).toEqual({ salutation: 'Frau', givenName: 'Anna', familyName: 'Schmidt' });
    const crosswise = 'read crosswise: its given and family name fields are swapped';
    expect(g.lineage['person.familyName']).toEqual({
      source: { system: 'siebel', sourceId: '1-ANNA' },
      rule: 'recency',
      at: '2025-03-03T00:00:00.000Z',
      note: crosswise,
    });
    expect(g.lineage['person.givenName']).toMatchObject({ source: { system: 'siebel' }, note: crosswise });
    expect(g.lineage['person.salutation']).toMatchObject({ source: { system: 'sap' }, rule: 'sole-source' });

    // the order of the more trusted side counts: a trusted master outweighs two sources
    const master = golden(records, [], { default: 1, systems: { siebel: { attributes: { name: 9 } } } });
    expect(master.document.person).toEqual({ salutation: 'Frau', givenName: 'Schmidt', familyName: 'Anna' });
    expect(master.lineage['person.familyName']).not.toHaveProperty('note');
  });

  it('takes a name as it is when there is no other order to compare with', () => {
    const two = golden(
      [
        record('sap', '1', '2025-03-01T00:00:00Z', { person: { givenName: 'Anna', familyName: 'Schmidt' } }),
        record('siebel', '2', '2025-03-03T00:00:00Z', {
          person: { givenName: 'Schmidt', familyName: 'Anna' },
        }),
      ],
      [],
      { default: 50 },
    );
    // one against one: nothing says which order is right, so the newer one counts as written
    expect(two.document.person).toEqual({ givenName: 'Schmidt', familyName: 'Anna' });
    expect(two.lineage['person.familyName']).not.toHaveProperty('note');
    // a source with only one of the two names is no evidence of an order
    const partial = golden(
      [
        record('sap', '1', '2025-03-01T00:00:00Z', { person: { familyName: 'Schmidt' } }),
        record('crm', '2', '2025-03-02T00:00:00Z', { person: { familyName: 'Schmidt' } }),
        record('siebel', '3', '2025-03-03T00:00:00Z', {
          person: { givenName: 'Schmidt', familyName: 'Anna' },
        }),
      ],
      [],
      { default: 50 },
    );
    expect(partial.document.person).toEqual({ givenName: 'Schmidt', familyName: 'Anna' });
  });

  it('the golden document is a valid canonical customer, with its data quality', () => {
    const g = golden([
      record('sap', '80042', '2025-01-01T00:00:00Z', {
        person: { givenName: 'Anna', familyName: 'Schmidt' },
        addresses: [sapAddress],
      }),
      record('crm', '4711', '2024-01-01T00:00:00Z', {
        birthDate: '1985-03-12',
        phones: [{ number: '+4917112345678', type: 'mobile' }],
      }),
    ]);
    expect(compileValidator('customer')(g.document)).toEqual({ ok: true });
    expect(g.document).toMatchObject({
      customerRef: `hub:${GOLDEN}`,
      source: { system: 'hub', operation: 'golden-record', recordId: GOLDEN },
      updatedAt: '2025-01-01T00:00:00.000Z',
      dataQuality: { complete: true, gaps: [], score: 1 },
    });
  });

  it('refuses inputs it cannot rank, with the reason', () => {
    expect(() => golden([record('crm', '1', '01.02.2025')])).toThrow(
      'updatedAt of crm:1 must be an RFC 3339 date-time with a zone, got "01.02.2025"',
    );
    expect(() => golden([])).toThrow('has no source record');
  });
});

describe('trust configuration', () => {
  it('looks up path, then group, then the system default, then the default', () => {
    const trust = compileTrust({
      default: 1,
      systems: { sap: { default: 4, attributes: { name: 7, 'person.familyName': 9 } } },
    });
    expect(trust('sap', 'person.familyName')).toBe(9);
    expect(trust('sap', 'person.givenName')).toBe(7);
    expect(trust('sap', 'tier')).toBe(4);
    expect(trust('crm', 'tier')).toBe(1);
  });

  it('names an unknown attribute and a trust that is not a number', () => {
    expect(() => compileTrust({ systems: { sap: { attributes: { adresses: 9 } as never } } })).toThrow(
      'trust: systems.sap.attributes has unknown attribute "adresses"',
    );
    expect(() => compileTrust({ systems: { sap: { default: '9' as never } } })).toThrow(
      'trust: systems.sap.default must be a finite number, got "9"',
    );
  });
});

describe('stale versions', () => {
  it('an older version of a source record is set aside with the reason, and the newer one counts', () => {
    const g = golden([
      record('sap', '80042', '2025-03-01T00:00:00Z', { tier: 'gold' }, 7),
      record('sap', '80042', '2025-03-02T00:00:00Z', { tier: 'silver' }, 6),
    ]);
    expect(g.document.tier).toBe('gold');
    expect(g.stale).toEqual([
      {
        system: 'sap',
        sourceId: '80042',
        updatedAt: '2025-03-02T00:00:00Z',
        version: 6,
        kind: 'older',
        reason:
          'sap:80042 (version 6, 2025-03-02T00:00:00Z) is older than the version held (version 7, 2025-03-01T00:00:00Z)',
      },
    ]);
  });

  it('without sequences the source time decides; a replay is a repeat', () => {
    const v1 = record('crm', '4711', '2025-01-01T00:00:00Z', { tier: 'silver' });
    const v2 = record('crm', '4711', '2025-02-01T00:00:00Z', { tier: 'gold' });
    const g = golden([v2, v1, v2]);
    expect(g.document.tier).toBe('gold');
    expect(g.stale.map((s) => s.kind).sort()).toEqual(['older', 'repeat']);
    expect(g.sources).toEqual([{ system: 'crm', sourceId: '4711' }]);
  });
});

describe('events apply to the record', () => {
  const sapOld = record('sap', '80042', '2025-01-01T00:00:00Z', { addresses: [sapAddress] });
  const crmOld = record('crm', '4711', '2025-01-02T00:00:00Z', {
    addresses: [
      {
        type: 'home',
        street: 'Alte Gasse',
        houseNumber: '3',
        postalCode: '10117',
        city: 'Berlin',
        country: 'DE',
      },
    ],
  });
  const moved = addressChanged(
    '6f9619ff-8b86-4d01-b42d-00cf4fc964ff',
    '2025-02-01T09:00:00Z',
    'Leopoldstraße 12',
  );

  it('an address reported to the call center replaces the older master address, lineage "reported via call-center"', () => {
    const g = golden([sapOld, crmOld], [moved]);
    expect(g.document.addresses).toEqual([
      {
        type: 'postal',
        street: 'Leopoldstraße',
        houseNumber: '12',
        postalCode: '80802',
        city: 'München',
        country: 'DE',
      },
    ]);
    expect(g.lineage['addresses[0]']).toEqual({
      source: { system: 'crm', sourceId: moved.eventId },
      rule: 'event',
      at: '2025-02-01T09:00:00.000Z',
      via: 'call-center',
      note: 'reported via call-center',
    });
    expect(g.events).toEqual([moved.eventId]);
  });

  it("splits the reported street as the mappings split a record's, so a system echoing the address changes nothing", () => {
    const before = golden([crmOld], [moved]);
    // the CRM applied the fan-out and reports the address back, split as its mapping splits it
    const crmEcho = record('crm', '4711', '2025-02-02T00:00:00Z', {
      addresses: [
        {
          type: 'home',
          street: 'Leopoldstraße',
          houseNumber: '12',
          postalCode: '80802',
          city: 'München',
          country: 'DE',
        },
      ],
    });
    const after = golden([crmOld, crmEcho], [moved]);
    expect(after.lineage['addresses[0]']).toMatchObject({ source: { system: 'crm', sourceId: '4711' } });
    expect(after.document.addresses).toEqual(before.document.addresses);
    // a street without a number stays whole
    const plain = addressChanged('8b9619ff-8b86-4d01-b42d-00cf4fc964ff', '2025-02-01T09:00:00Z', 'Am Markt');
    expect(golden([sapOld], [plain]).document.addresses?.[0]).not.toHaveProperty('houseNumber');
  });

  it('a later update of the more trusted master still wins by the rules', () => {
    const sapLater = record('sap', '80042', '2025-03-01T00:00:00Z', {
      addresses: [
        { ...sapAddress, street: 'Leopoldstraße', houseNumber: '12', postalCode: '80802', city: 'München' },
      ],
    });
    const g = golden([sapOld, sapLater, crmOld], [moved]);
    expect(g.document.addresses?.[0]).toMatchObject({ street: 'Leopoldstraße', houseNumber: '12' });
    expect(g.lineage['addresses[0]']).toMatchObject({ source: { system: 'sap' }, rule: 'trust' });
    expect(g.stale).toHaveLength(1);
  });

  it('a later, less trusted record does not undo the reported change; a later event does', () => {
    const webLater = record('web', 'u-1', '2025-02-15T00:00:00Z', {
      addresses: [{ type: 'home', street: 'Alte Gasse', houseNumber: '3', city: 'Berlin', country: 'DE' }],
    });
    expect(golden([sapOld, webLater], [moved]).lineage['addresses[0]']).toMatchObject({ rule: 'event' });
    const again = addressChanged(
      '7a9619ff-8b86-4d01-b42d-00cf4fc964ff',
      '2025-02-20T00:00:00Z',
      'Ungererstraße 7',
      'app',
    );
    const g = golden([sapOld, webLater], [moved, again]);
    expect(g.document.addresses?.[0]).toMatchObject({ street: 'Ungererstraße', houseNumber: '7' });
    expect(g.lineage['addresses[0]']).toMatchObject({
      source: { system: 'app-events' },
      note: 'reported via app',
    });
  });

  it('events without customer data are listed as ignored, a repeated event applies once', () => {
    const withdrawal: InteractionEvent = {
      ...moved,
      eventId: '0b6e6f5c-3c1a-4d8e-9f5b-2a7c1e4d9b10',
      type: 'withdrawal',
      data: {},
    };
    const g = golden([sapOld], [moved, withdrawal, moved]);
    expect(g.ignoredEvents).toEqual([
      { eventId: withdrawal.eventId, reason: 'a withdrawal event carries no customer attributes' },
      { eventId: moved.eventId, reason: 'a repeat of an event already applied (same eventId)' },
    ]);
    expect(g.events).toEqual([moved.eventId]);
  });
});

/** mulberry32: a seeded generator, so every run shuffles the same way. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Overlapping updates of three systems, with versions, replays, ties in time, and events. */
function scenario(random: () => number): { records: SourceRecord[]; events: InteractionEvent[] } {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const day = (): string => `2025-0${1 + Math.floor(random() * 3)}-1${Math.floor(random() * 3)}T10:00:00Z`;
  const streets = ['Hauptstraße', 'Leopoldstraße', 'Alte Gasse'];
  const records: SourceRecord[] = [];
  for (const [system, id] of [
    ['sap', '80042'],
    ['crm', '4711'],
    ['web', 'u-1'],
  ] as const) {
    const versions = 1 + Math.floor(random() * 3);
    for (let v = 1; v <= versions; v++) {
      const at = day();
      const fields: Partial<Customer> = {
        person: {
          givenName: pick(['Anna', 'A.', 'Anne']),
          ...(random() < 0.7 ? { familyName: pick(['Schmidt', 'Schmitt']) } : {}),
        },
        tier: pick(['basic', 'silver', 'gold']),
        addresses: [
          {
            type: pick(['home', 'postal']),
            street: pick(streets),
            city: 'Berlin',
            country: 'DE',
            ...(random() < 0.5 ? { postalCode: '10115' } : {}),
          },
        ],
        emails: [{ address: `${pick(['anna', 'a.schmidt'])}@example.com`, type: pick(['home', 'work']) }],
        consents: [
          {
            channel: 'email',
            purpose: 'marketing',
            status: pick(['granted', 'withdrawn']),
            at,
            source: { system },
          },
        ],
      };
      if (random() < 0.5) fields.birthDate = pick(['1985-03-12', '1985-12-03']);
      const withSequence = system === 'sap';
      records.push(record(system, id, at, fields, withSequence ? v : undefined));
      if (random() < 0.3) records.push(record(system, id, at, fields, withSequence ? v : undefined)); // a replay
    }
  }
  const events = [1, 2, 3]
    .filter(() => random() < 0.6)
    .map((n) =>
      addressChanged(
        `00000000-0000-4000-8000-00000000000${n}`,
        day(),
        pick(streets),
        pick(['call-center', 'app'] as const),
      ),
    );
  return { records, events };
}

describe('arrival order', () => {
  it('50 shuffles of the same inputs give the identical golden document and lineage (10 scenarios)', () => {
    const random = seeded(20250901);
    for (let s = 0; s < 10; s++) {
      const { records, events } = scenario(random);
      const expected = JSON.stringify(golden(records, events));
      for (let i = 0; i < 50; i++) {
        const result = golden(shuffled(records, random), shuffled(events, random));
        expect(JSON.stringify(result)).toBe(expected);
      }
    }
  });

  it('the same shuffles do catch an order-dependent merge (last arrival wins)', () => {
    const random = seeded(7);
    const { records } = scenario(random);
    const lastWins = (list: SourceRecord[]): string =>
      JSON.stringify(Object.assign({}, ...list.map((r) => r.document)));
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) seen.add(lastWins(shuffled(records, random)));
    expect(seen.size).toBeGreaterThan(1);
  });
});
