import { randomUUID } from 'node:crypto';
import * as amqp from 'amqplib';
import { GOLDEN_EXCHANGE } from '../../connectors/amqp/bus';
import type { HubStoreNode } from '../../nodes/hub-store/hub-store';
import { createVhost, deleteVhost } from '../e2e/hub-process';
import { all, helper, load, tempDir, useHelper } from './harness';

/**
 * golden-record with a broker, on a store that never opens (PostgreSQL refuses the role): its close
 * waited for the store to open, which it never did, so every stop ended in Node-RED's "Close timed
 * out" after 15 s and a supervisor that restarted the hub at once found the port still taken.
 */
const vhost = `crm-hub-golden-close-${randomUUID().slice(0, 8)}`;
let url = '';

beforeAll(() => {
  url = createVhost(vhost);
});
afterAll(() => deleteVhost(vhost));

useHelper();

/** Resolves once the exchange exists: the relay declares it, then waits for the store. */
async function declared(exchange: string): Promise<void> {
  const conn = await amqp.connect(url);
  conn.on('error', () => undefined);
  try {
    for (;;) {
      const ch = await conn.createChannel();
      ch.on('error', () => undefined);
      try {
        await ch.checkExchange(exchange);
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  } finally {
    await conn.close();
  }
}

describe('golden-record closing', () => {
  it('closes at once when its store never opened, and leaves the store unopened', async () => {
    await load(
      all,
      [
        {
          id: 'store',
          type: 'hub-store',
          databaseUrl: 'postgres://nouser@127.0.0.1:5432/postgres',
          directory: tempDir('golden-close'),
        },
        { id: 'broker', type: 'amqp-broker', urls: url, heartbeat: '30', version: 2 },
        { id: 'golden', type: 'golden-record', store: 'store', broker: 'broker', wires: [[]] },
      ],
      { store: { password: 'x' } },
    );
    const store = helper.getNode('store') as unknown as HubStoreNode;
    let opened = false;
    store.ready.then(
      () => (opened = true),
      () => undefined,
    );
    await declared(GOLDEN_EXCHANGE);
    // Node.close resolves once the node called done; before the fix it never did
    await helper.getNode('golden').close(false);
    expect(opened).toBe(false);
  });
});
