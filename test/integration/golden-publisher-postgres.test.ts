import { EventEmitter } from 'node:events';
import type { Bus } from '../../connectors/amqp/bus';
import type { Customer } from '../../mappings/canonical/types';
import { GoldenPublisher } from '../../nodes/golden-record/golden-publisher';
import { GoldenIntake } from '../../records/golden-intake';
import { sharedSchema } from './postgres-schema';

/**
 * The golden outbox on PostgreSQL, drained while changes keep coming as the golden-record node drains
 * it (after every change). A listing is read as of its start, so one that began before a mark's
 * delete committed handed the publisher entries whose mark was already written, and it sent them
 * again under the same message id: 1 and 25 of 600 changes in two runs here, none since.
 */
const shared = sharedSchema('golden_pub');

const customer = (i: number): Customer =>
  ({
    schemaVersion: '1.0',
    customerRef: `crm:${100000 + i}`,
    kind: 'person',
    person: { givenName: `Given${i}`, familyName: `Family${i}` },
    emails: [{ address: `person${i}@example.org`, type: 'home' }],
    identifiers: [{ system: 'crm', id: String(100000 + i) }],
    updatedAt: '2026-11-20T10:00:00Z',
    source: { system: 'crm' },
  }) as Customer;

it('publishes each golden change once while marks and listings overlap', async () => {
  const store = await shared.open({ poolSize: 4 });
  const intake = new GoldenIntake(store);
  const published = new Map<string, number>();
  const bus = Object.assign(new EventEmitter(), {
    publish: async (_e: string, _k: string, _b: Buffer, options?: { messageId?: string }) => {
      await new Promise((resolve) => setImmediate(resolve));
      const id = options?.messageId ?? '?';
      published.set(id, (published.get(id) ?? 0) + 1);
    },
  }) as unknown as Bus;
  const publisher = new GoldenPublisher(store, bus);
  const drains: Promise<number>[] = [];
  const COUNT = 600;
  for (let start = 0; start < COUNT; start += 20) {
    await Promise.all(
      Array.from({ length: 20 }, async (_, k) => {
        await intake.takeCustomer(customer(start + k));
        drains.push(publisher.drain());
      }),
    );
  }
  await Promise.all(drains);
  await publisher.drain();
  expect(await store.listGoldenOutbox(100)).toEqual([]);
  const twice = [...published.values()].filter((n) => n > 1).length;
  expect(published.size).toBeGreaterThanOrEqual(COUNT);
  expect(twice).toBe(0);
}, 120_000);
