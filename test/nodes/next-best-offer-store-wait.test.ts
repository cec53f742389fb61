/**
 * A next-best-offer node behind an http-in endpoint while its hub-store cannot open (a database that
 * does not exist): before, the node awaited the store without a bound, so the caller's request never
 * got an answer and no Catch node heard of it, while the REST API answered 503 at once. Now the
 * message fails with code store-unavailable, and closing the store releases whoever still waits.
 */
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import type { HubStoreNode } from '../../nodes/hub-store/hub-store';
import { POSTGRES_URL } from '../e2e/hub-process';
import { all, captured, core, helper, load, loggedWarnings, nextInput, useHelper } from './harness';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const httpIn: unknown = require('@node-red/nodes/core/network/21-httpin.js');

useHelper();

/** never created: every connect fails with 3D000 and the store keeps retrying */
const missingDatabase = `${POSTGRES_URL}/crm_hub_missing_${process.pid}_${randomBytes(4).toString('hex')}`;
const store = { id: 'store', type: 'hub-store', databaseUrl: missingDatabase, directory: '' };
const tab = { id: 'tab', type: 'tab' };

/** once the store's first open failed and it retries (now or earlier) */
function whenRetrying(): Promise<void> {
  if (loggedWarnings('store').includes('hub-store.log.retrying')) return Promise.resolve();
  return new Promise((resolve) => helper.getNode('store').once('call:warn', () => resolve()));
}

describe('next-best-offer while its hub-store cannot open', () => {
  it('an http-in endpoint answers: the Catch node gets msg.error.code store-unavailable', async () => {
    await load(
      [...all, core.fn, core.catchNode, httpIn],
      [
        tab,
        store,
        { id: 'http', type: 'http in', z: 'tab', url: '/offer/:ref', method: 'get', wires: [['query']] },
        {
          id: 'query',
          type: 'function',
          z: 'tab',
          func: 'msg.payload = { customerRef: msg.req.params.ref, channel: "web" }; return msg;',
          wires: [['nbo']],
        },
        {
          id: 'nbo',
          type: 'next-best-offer',
          z: 'tab',
          store: 'store',
          answer: 'next-best-offer',
          wires: [['reply']],
        },
        {
          id: 'catcher',
          type: 'catch',
          z: 'tab',
          scope: ['nbo'],
          uncaught: false,
          wires: [['failed', 'caught']],
        },
        { id: 'caught', type: 'helper', z: 'tab' },
        {
          id: 'failed',
          type: 'function',
          z: 'tab',
          func: 'msg.statusCode = msg.error.code === "store-unavailable" ? 503 : 500; msg.payload = { error: msg.error.code }; return msg;',
          wires: [['reply']],
        },
        { id: 'reply', type: 'http response', z: 'tab' },
      ],
    );
    const caught = nextInput<{ error: { code?: string; message: string } }>('caught');
    await whenRetrying();
    const answer = await request(captured.red!.httpNode).get('/offer/crm:4713');
    expect(answer.status).toBe(503);
    expect(answer.body).toEqual({ error: 'store-unavailable' });
    expect((await caught).error.code).toBe('store-unavailable');
  });

  it('a message that came before the first attempt failed fails the same way, not hanging', async () => {
    await load(
      [...all, core.catchNode],
      [
        tab,
        store,
        { id: 'nbo', type: 'next-best-offer', z: 'tab', store: 'store', answer: 'customer-360', wires: [[]] },
        { id: 'catcher', type: 'catch', z: 'tab', scope: ['nbo'], uncaught: false, wires: [['caught']] },
        { id: 'caught', type: 'helper', z: 'tab' },
      ],
    );
    const caught = nextInput<{ error: { code?: string } }>('caught');
    helper.getNode('nbo').receive({ payload: { customerRef: 'crm:4713' } });
    expect((await caught).error.code).toBe('store-unavailable');
  });
});

describe('a hub-store closed while users still wait for it to open', () => {
  it('releases them: ready fails with store-unavailable, and a waiting golden record fails its message', async () => {
    await load(all, [
      tab,
      store,
      { id: 'golden', type: 'golden-record', z: 'tab', store: 'store', wires: [[]] },
    ]);
    const storeNode = helper.getNode('store') as unknown as HubStoreNode;
    const ready = storeNode.ready.then(
      () => undefined,
      (err: unknown) => err,
    );
    await whenRetrying();
    // the helper's own spies are gone after unload: the node's error() itself says the message failed
    const golden = helper.getNode('golden') as unknown as { error(err: unknown): void };
    const failed = new Promise<unknown>((resolve) =>
      jest.spyOn(golden, 'error').mockImplementation((err: unknown) => resolve(err)),
    );
    helper.getNode('golden').receive({ payload: { customerRef: 'crm:4713', kind: 'person' } });
    await helper.unload();
    expect(await ready).toMatchObject({ code: 'store-unavailable' });
    expect(await failed).toMatchObject({ code: 'store-unavailable' });
  });

  it('a policy engine bound to it lets go without an unhandled rejection, which would end the hub', async () => {
    const unhandled: unknown[] = [];
    const listener = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', listener);
    try {
      await load(all, [
        tab,
        store,
        { id: 'engine', type: 'policy-engine', z: 'tab', store: 'store', wires: [[]] },
      ]);
      await whenRetrying();
      await helper.unload();
      // a rejection counts as unhandled once the microtasks after it ran, before the next turn
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', listener);
    }
  });
});
