import { IdempotentRepository } from '../../connectors/amqp/idempotent-repository';
import { sharedSchema } from './postgres-schema';

/**
 * N hub instances consume one queue and share PostgreSQL: what one instance recorded, the other skips
 * when the broker redelivers the message to it.
 */
const shared = sharedSchema('crm_hub_idem');

async function instance(): Promise<IdempotentRepository> {
  const store = await shared.open();
  return new IdempotentRepository(store, 'crm.address-changes');
}

describe('IdempotentRepository over the PostgreSQL hub store', () => {
  it('shares the ledger between hub instances, and one of two instances racing on a key records it', async () => {
    const [a, b] = [await instance(), await instance()];
    expect(await b.contains('evt-1')).toBe(false);
    expect(await a.add('evt-1')).toBe(true);
    expect(await b.contains('evt-1')).toBe(true);
    const raced = await Promise.all([a.add('evt-2'), b.add('evt-2')]);
    expect(raced.filter(Boolean)).toHaveLength(1);
  });
});
