import { compileMapping, loadSystemSpec } from '../../../../mappings/engine';

/** The hub's own SOAP API (hub.wsdl) to canonical documents. */
describe('mappings/systems/hub.json', () => {
  const spec = loadSystemSpec('hub');
  const upsert = compileMapping(spec, 'UpsertCustomer');
  const report = compileMapping(spec, 'ReportInteraction');
  const receivedAtIso = '2026-11-22T10:00:00.000Z';
  // the flow stamps the receipt time as epoch milliseconds (a change node's timestamp)
  const receivedAt = Date.parse(receivedAtIso);

  it('maps UpsertCustomer to a valid canonical person, consents sent once included', () => {
    const result = upsert.map({
      receivedAt,
      customer: {
        sourceSystem: 'web',
        sourceId: 'u-17',
        kind: 'person',
        givenName: 'Anna',
        familyName: 'Schmidt',
        birthDate: '1984-06-30',
        tier: 'platinum',
        email: ' Anna.Schmidt@Example.DE ',
        phone: '089 1234567',
        street: 'Leopoldstraße',
        houseNumber: '12',
        postalCode: '80802',
        city: 'München',
        country: 'DE',
        consents: [{ channel: 'email', purpose: 'Marketing', status: 'granted' }],
      },
    });
    expect(result).toMatchObject({
      ok: true,
      value: {
        customerRef: 'web:u-17',
        kind: 'person',
        person: { givenName: 'Anna', familyName: 'Schmidt' },
        emails: [{ address: 'anna.schmidt@example.de', type: 'home' }],
        phones: [{ number: '+49891234567' }],
        addresses: [{ type: 'home', city: 'München', country: 'DE' }],
        consents: [
          {
            channel: 'email',
            purpose: 'marketing',
            status: 'granted',
            at: receivedAtIso,
            source: { system: 'web' },
          },
        ],
        identifiers: [{ system: 'web', id: 'u-17' }],
        updatedAt: receivedAtIso,
      },
    });
  });

  it('keeps a customerRef the caller sends, and maps an organization', () => {
    const result = upsert.map({
      receivedAt,
      customer: {
        customerRef: 'crm:4711',
        sourceSystem: 'crm',
        sourceId: '4711',
        kind: 'organization',
        organizationName: 'Muster Bau GmbH',
      },
    });
    expect(result).toMatchObject({
      ok: true,
      value: { customerRef: 'crm:4711', organization: { legalName: 'Muster Bau GmbH' } },
    });
  });

  it('refuses a customerRef that names another record than sourceSystem:sourceId, SAP’s zeros aside', () => {
    const upsertWith = (customerRef: string, sourceSystem: string, sourceId: string) =>
      upsert.map({ receivedAt, customer: { customerRef, sourceSystem, sourceId, kind: 'organization' } });
    // the CRM cannot write over SAP's customer by naming it
    expect(upsertWith('sap:104712', 'crm', '1')).toMatchObject({
      ok: false,
      error: {
        field: 'customerRef',
        sourceField: 'customer.customerRef',
        rule: 'sourceRef',
        message: expect.stringContaining(
          '"sap:104712" is not the record customer.sourceSystem:customer.sourceId names ("crm:1")',
        ),
      },
    });
    expect(upsertWith('crm:5555', 'crm', '9212')).toMatchObject({
      ok: false,
      error: { sourceField: 'customer.customerRef', rule: 'sourceRef' },
    });
    for (const [ref, id] of [
      ['sap:104712', '0000104712'],
      ['sap:0000104712', '104712'],
      [' sap:0000104712 ', '0000104712'],
    ]) {
      expect(upsertWith(ref, 'sap', id)).toMatchObject({ ok: true, value: { customerRef: 'sap:104712' } });
    }
    // other systems' zeros are part of the id
    expect(upsertWith('crm:0004711', 'crm', '0004711')).toMatchObject({
      ok: true,
      value: { customerRef: 'crm:0004711' },
    });
    expect(upsertWith('crm:4711', 'crm', '0004711')).toMatchObject({
      ok: false,
      error: { rule: 'sourceRef' },
    });
  });

  it('takes a person without family name (a gap, flagged later), but refuses an unreadable birth date', () => {
    const result = upsert.map({
      receivedAt,
      customer: { sourceSystem: 'web', sourceId: '1', kind: 'person', givenName: 'Anna' },
    });
    expect(result).toMatchObject({ ok: true, value: { person: { givenName: 'Anna' } } });
    const malformed = upsert.map({
      receivedAt,
      customer: { sourceSystem: 'web', sourceId: '1', kind: 'person', birthDate: '31.02.1980' },
    });
    expect(malformed).toMatchObject({
      ok: false,
      error: { field: 'birthDate', sourceField: 'customer.birthDate', rule: 'format' },
    });
  });

  it('keys SAP’s padded KUNNR as the DEBMAS mapping does, and leaves other systems’ numbers as sent', () => {
    const customer = (sourceSystem: string, sourceId: string) =>
      upsert.map({ receivedAt, customer: { sourceSystem, sourceId, kind: 'person', familyName: 'Zeros' } });
    expect(customer('sap', ' 0000104712 ')).toMatchObject({
      ok: true,
      value: { customerRef: 'sap:104712', identifiers: [{ system: 'sap', id: '104712' }] },
    });
    // a customerRef the caller sends, padded, is keyed the same way
    expect(
      upsert.map({
        receivedAt,
        customer: {
          customerRef: 'sap:0000104712',
          sourceSystem: 'sap',
          sourceId: '0000104712',
          kind: 'person',
        },
      }),
    ).toMatchObject({ ok: true, value: { customerRef: 'sap:104712', identifiers: [{ id: '104712' }] } });
    expect(customer('crm', '0004711')).toMatchObject({
      ok: true,
      value: { customerRef: 'crm:0004711', identifiers: [{ system: 'crm', id: '0004711' }] },
    });
    const event = (customerRef: string) =>
      report.map({ receivedAt, type: 'complaint', channel: 'call-center', customerRef });
    expect(event('sap:0000104711')).toMatchObject({
      ok: true,
      value: { customer: { ref: 'sap:104711', identifiers: [{ system: 'sap', id: '104711' }] } },
    });
    expect(event('crm:0004711')).toMatchObject({
      ok: true,
      value: { customer: { ref: 'crm:0004711', identifiers: [{ system: 'crm', id: '0004711' }] } },
    });
  });

  it('puts each detail of ReportInteraction into data, a dotted key nesting, so an address change can be reported', () => {
    const complaint = report.map({
      type: 'complaint',
      channel: 'call-center',
      customerRef: 'crm:9401',
      details: [
        { key: 'reason', value: 'Gebühr zu hoch' },
        { key: 'caseId', value: 'C-77' },
      ],
    });
    expect(complaint).toMatchObject({
      ok: true,
      value: { data: { reason: 'Gebühr zu hoch', caseId: 'C-77' } },
    });
    // one detail arrives from XML as an object, not a list of one
    expect(
      report.map({
        type: 'complaint',
        channel: 'web',
        customerRef: 'crm:9401',
        details: { key: 'reason', value: 'late' },
      }),
    ).toMatchObject({ ok: true, value: { data: { reason: 'late' } } });
    expect(report.map({ type: 'complaint', channel: 'web', customerRef: 'crm:9401' })).toMatchObject({
      ok: true,
      value: { data: {} },
    });
    const address = { street: 'Leopoldstraße 12', postalCode: '80802', city: 'München', country: 'DE' };
    const moved = report.map({
      type: 'address-changed',
      channel: 'call-center',
      customerRef: 'crm:4711',
      details: Object.entries(address).map(([key, value]) => ({ key: `address.${key}`, value })),
    });
    expect(moved).toMatchObject({ ok: true, value: { type: 'address-changed', data: { address } } });
    // an address change without the address is still refused, naming where it should have come from
    expect(
      report.map({ type: 'address-changed', channel: 'call-center', customerRef: 'crm:4711' }),
    ).toMatchObject({ ok: false, error: { field: 'data.address', sourceField: 'details' } });
  });

  it('refuses a detail key given twice or not a path of plain names, naming the key', () => {
    const refused = (details: { key: string; value: string }[]) => {
      const result = report.map({ type: 'complaint', channel: 'web', customerRef: 'crm:9401', details });
      expect(result.ok).toBe(false);
      return result.ok ? undefined : result.error;
    };
    expect(
      refused([
        { key: 'caseId', value: 'C-1' },
        { key: 'caseId', value: 'C-2' },
      ]),
    ).toMatchObject({
      sourceField: 'details',
      rule: 'entries',
      message: expect.stringContaining('"caseId" is given twice'),
    });
    for (const key of ['__proto__', 'constructor', 'a.prototype', 'a..b', '.a', 'a.', '', 'a b', 'x[0]']) {
      expect(refused([{ key, value: '1' }])).toMatchObject({
        sourceField: 'details',
        rule: 'entries',
        message: expect.stringContaining(
          `key ${JSON.stringify(key)} of item [0] is not a path of plain names`,
        ),
      });
    }
    expect(
      refused([
        { key: 'address', value: 'x' },
        { key: 'address.street', value: 'y' },
      ])?.message,
    ).toContain('clashes with key "address"');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('maps ReportInteraction to a valid canonical withdrawal event', () => {
    const result = report.map(
      { type: 'withdrawal', channel: 'branch', customerRef: 'crm:4711', amount: '12000.00', currency: 'EUR' },
      { eventId: '5b8f9a4e-1c2d-4e5f-8a9b-0c1d2e3f4a50', occurredAt: receivedAtIso },
    );
    expect(result).toMatchObject({
      ok: true,
      value: {
        type: 'withdrawal',
        customer: { ref: 'crm:4711', identifiers: [{ system: 'crm', id: '4711' }] },
        amount: { value: 12000, currency: 'EUR' },
        occurredAt: receivedAtIso,
      },
    });
  });
});
