/**
 * A broker or store whose settings cannot be used (a URL of another kind): Node-RED drops a config
 * node whose constructor throws, and the nodes using it then dropped every message without a word while
 * /healthz said ok. Each message must fail with the reason instead, and /healthz must say so.
 */
import type { EventEmitter } from 'node:events';
import type { NodeStatus } from 'node-red';
import request from 'supertest';
import { all, captured, helper, load, loggedErrors, tempDir, useHelper } from './harness';

useHelper();

const firstError = (nodeId: string): Promise<unknown> =>
  new Promise((resolve) =>
    helper.getNode(nodeId).once('call:error', (call: { args: unknown[] }) => resolve(call.args[0])),
  );

describe('config nodes with settings that cannot be used', () => {
  it('an amqp-broker with an http:// URL fails each publish as misconfigured, and /healthz answers 503', async () => {
    await load(all, [
      { id: 'broker', type: 'amqp-broker', urls: 'http://127.0.0.1:1/', heartbeat: '30' },
      { id: 'out', type: 'amqp-out', broker: 'broker', exchange: 'crm.events', routingKey: '', wires: [[]] },
    ]);
    const refused = firstError('out');
    helper.getNode('out').receive({ payload: { eventId: 'e1', type: 'visit', channel: 'web' } });
    expect(await refused).toMatchObject({ name: 'BusError', kind: 'misconfigured', code: 'misconfigured' });
    expect(String(await refused)).toContain('amqp://');
    expect(loggedErrors('broker').join('\n')).toContain('amqp-broker.log.unusable');
    const health = await request(captured.red!.httpNode).get('/healthz');
    expect(health.status).toBe(503);
    expect(health.body.bus).toEqual([expect.objectContaining({ id: 'broker', ok: false })]);
    expect(health.body.bus[0].detail).toContain('unusable broker settings');
  });

  it('a hub-store with a mysql:// URL fails each message of the golden record with the reason, and /healthz answers 503', async () => {
    await load(all, [
      {
        id: 'store',
        type: 'hub-store',
        databaseUrl: 'mysql://u@127.0.0.1/x',
        directory: tempDir('unusable'),
      },
      { id: 'golden', type: 'golden-record', store: 'store', version: 2, wires: [[]] },
    ]);
    const failed = firstError('golden');
    helper.getNode('golden').receive({ payload: { customerRef: 'crm:1', kind: 'person' } });
    expect(String(await failed)).toContain('hub-store.log.unusable');
    expect(await failed).toMatchObject({ code: 'misconfigured' });
    const health = await request(captured.red!.httpNode).get('/healthz');
    expect(health.status).toBe(503);
    expect(health.body.store).toEqual([
      expect.objectContaining({ id: 'store', ok: false, state: 'failing' }),
    ]);
  });

  it('a hub-store with a mysql:// URL: the REST API says misconfigured, a node using it shows a short status', async () => {
    await load(all, [
      {
        id: 'store',
        type: 'hub-store',
        databaseUrl: 'mysql://u@127.0.0.1/x',
        directory: tempDir('unusable'),
      },
      { id: 'nbo', type: 'next-best-offer', store: 'store', answer: 'next-best-offer', wires: [[]] },
    ]);
    const shown = new Promise<NodeStatus>((resolve) =>
      (helper.getNode('nbo') as unknown as EventEmitter).on('call:status', (call: { args: NodeStatus[] }) => {
        if (call.args[0].fill === 'red') resolve(call.args[0]);
      }),
    );
    const failed = firstError('nbo');
    helper.getNode('nbo').receive({ payload: { customerRef: 'crm:1', channel: 'web' } });
    expect(await failed).toMatchObject({ code: 'misconfigured' });
    expect(String(await failed)).toContain('hub-store.log.unusable');
    // the whole reason is in the log and at Catch; the status names it in a few words
    expect(await shown).toEqual({ fill: 'red', shape: 'ring', text: 'hub-store.status.unusable' });
    const offers = await request(captured.red!.httpNode).get('/api/v1/customers/crm:1/offers');
    expect(offers.status).toBe(503);
    expect(offers.body.error).toBe('store-misconfigured');
    expect(offers.body.message).toMatch(/hub-store settings are invalid/);
  });
});
