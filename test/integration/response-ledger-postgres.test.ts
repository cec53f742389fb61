import { ResponseLedger } from '../../policies/response-ledger';
import { sharedSchema } from './postgres-schema';

const NOW = Date.parse('2025-03-10T12:00:00Z');
const shared = sharedSchema('crm_hub_ledger');

async function hub(): Promise<ResponseLedger> {
  const store = await shared.open({ poolSize: 4 });
  return new ResponseLedger({ store: () => store, clock: () => NOW });
}

describe('response ledger on PostgreSQL, shared by two hub instances', () => {
  it('counts an action both instances see once, and reports the same on either', async () => {
    const [a, b] = [await hub(), await hub()];
    const action = { policyId: 'p1', actionId: 'd1', customerRef: 'crm:1', allowed: true, at: NOW };
    const delivered = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).recordContact(action)),
    );
    expect(delivered.filter((applied) => applied)).toHaveLength(1);
    const answer = {
      responseId: 'r1',
      offerId: 'd1',
      customerRef: 'crm:1',
      outcome: 'converted',
      occurredAt: new Date(NOW + 1000).toISOString(),
    };
    await Promise.all([a.recordResponse(answer), b.recordResponse(answer)]);

    for (const ledger of [a, b]) {
      const { today } = (await ledger.report({ policyIds: ['p1'] })).get('p1')!;
      expect(today).toMatchObject({
        delivered: 1,
        positive: 1,
        responses: { converted: 1 },
        conversion: { treated: { n: 1, converted: 1, rate: 1 } },
      });
    }
    await b.load();
    expect(b.counts('p1', '*')).toEqual({ delivered: 1, positive: 1 });
  });
});
