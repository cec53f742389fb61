import { withdrawalEvent } from '../unit/policies/fixtures';
import { all, helper, load, nextError, nextInput, tempDir, useHelper } from './harness';

useHelper();

/** SAP knows Anna's tier; the CRM her address. One golden record through the shared tax id. */
const sapAnna = {
  schemaVersion: '1.0',
  customerRef: 'sap:100001',
  kind: 'person',
  person: { givenName: 'Anna', familyName: 'Schmidt' },
  tier: 'platinum',
  identifiers: [
    { system: 'sap', id: '100001' },
    { system: 'tax-id', id: '12345678901' },
  ],
  updatedAt: '2026-11-20T10:00:00Z',
  source: { system: 'sap', operation: 'DEBMAS' },
};
const crmAnna = {
  schemaVersion: '1.0',
  customerRef: 'crm:4711',
  kind: 'person',
  person: { givenName: 'Anna', familyName: 'Schmidt' },
  addresses: [
    { type: 'home', street: 'Leopoldstraße 12', postalCode: '80802', city: 'München', country: 'DE' },
  ],
  identifiers: [
    { system: 'crm', id: '4711' },
    { system: 'tax-id', id: '12345678901' },
  ],
  updatedAt: '2026-11-21T10:00:00Z',
  source: { system: 'crm' },
};

type Evaluated = { decisions: unknown[]; explanations: { outcome: string; reason?: string }[] };

describe('policy-engine judges the golden record', () => {
  it('fires a card on the SAP tier for a withdrawal keyed with the CRM’s customer ref', async () => {
    await load(all, [
      { id: 'store', type: 'hub-store', databaseUrl: '', directory: tempDir('golden-profile') },
      { id: 'golden', type: 'golden-record', store: 'store', wires: [['stored']] },
      { id: 'stored', type: 'helper' },
      { id: 'eng', type: 'policy-engine', store: 'store', wires: [['evaluated']] },
      {
        id: 'plat',
        type: 'policy',
        engine: 'eng',
        policyId: 'platinum-large-withdrawal',
        titleEn: 'Platinum customer withdraws over 10,000',
        titleDe: 'Platin-Kunde hebt mehr als 10.000 ab',
        when: 'event withdrawal where amount > 10000',
        condition: 'customer.tier == "platinum"',
        then: 'call-task to sales-rep within 1d',
        perCustomer: '',
        global: '',
        priority: '80',
        mode: 'trigger',
        active: true,
        wires: [['decided']],
      },
      { id: 'decided', type: 'helper' },
      { id: 'evaluated', type: 'helper' },
    ]);
    for (const doc of [sapAnna, crmAnna]) {
      const stored = nextInput('stored');
      const failed = nextError('golden').then((e) => Promise.reject(new Error(e)));
      helper.getNode('golden').receive({ payload: doc });
      await Promise.race([stored, failed]);
    }

    const decided = nextInput<{ payload: Record<string, unknown> }>('decided');
    const evaluated = nextInput<Evaluated>('evaluated');
    helper.getNode('eng').receive({
      payload: withdrawalEvent('5b8f9a4e-1c2d-4e5f-8a9b-0c1d2e3f4a50', 'crm:4711', 12000),
    });
    const trace = await evaluated;
    expect(trace.explanations[0]).toMatchObject({ outcome: 'fired' });
    expect((await decided).payload).toMatchObject({
      policyId: 'platinum-large-withdrawal',
      customerRef: 'crm:4711',
      action: 'call-task',
    });

    // a customer the hub holds no golden record for is judged as its system sent it
    const other = nextInput<Evaluated>('evaluated');
    helper.getNode('eng').receive({
      payload: withdrawalEvent('5b8f9a4e-1c2d-4e5f-8a9b-0c1d2e3f4a51', 'crm:999', 12000),
    });
    expect((await other).decisions).toEqual([]);
  });
});
