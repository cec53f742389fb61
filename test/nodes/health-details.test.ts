import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { AmqpBrokerNode } from '../../nodes/amqp-broker/amqp-broker';
import { createVhost, deleteVhost } from '../e2e/hub-process';
import { TcpProxy } from '../integration/amqp-tcp-proxy';
import { sinkNode, whenStatus } from './amqp-test-nodes';
import { all, captured, helper, load, useHelper } from './harness';

/**
 * What /healthz says about a consumer whose broker went away, and about a store that cannot open:
 * the consumers stayed "consuming" while the bus was disconnected, and the store said only "not open".
 */
useHelper();

describe('/healthz details', () => {
  const vhost = `crm-hub-health-${randomUUID().slice(0, 8)}`;
  let url = '';
  let proxy: TcpProxy;

  beforeAll(async () => {
    url = createVhost(vhost);
    proxy = await TcpProxy.start();
  });
  afterAll(async () => {
    await proxy.close();
    deleteVhost(vhost);
  });

  it('reports an amqp-in whose bus is disconnected as not consuming, and as consuming once it is back', async () => {
    const brokerUrl = url.replace('127.0.0.1:5672', `127.0.0.1:${proxy.port}`);
    await load(
      [...all, sinkNode],
      [
        { id: 'broker', type: 'amqp-broker', urls: brokerUrl, heartbeat: '30', version: 2 },
        {
          id: 'in',
          type: 'amqp-in',
          broker: 'broker',
          queue: 'health.q',
          bindings: 'event.#',
          prefetch: '5',
          ack: 'flow',
          timeout: '5000',
          store: '',
          wires: [['got']],
        },
        { id: 'got', type: 'amqp-test-sink' },
      ],
    );
    await whenStatus('in', 'amqp-in.status.consuming');
    const consuming = await request(captured.red!.httpNode).get('/healthz');
    expect(consuming.body.consumers).toEqual([
      expect.objectContaining({ ok: true, state: 'consuming', detail: 'consuming health.q' }),
    ]);

    const bus = (helper.getNode('broker') as unknown as AmqpBrokerNode).bus;
    const down = new Promise<void>((resolve) => bus.on('state', (s) => s !== 'connected' && resolve()));
    proxy.cut({ refuse: true });
    await down;
    const cut = await request(captured.red!.httpNode).get('/healthz');
    expect(cut.status).toBe(503);
    expect(cut.body.consumers).toEqual([expect.objectContaining({ ok: false, state: 'disconnected' })]);
    expect(cut.body.consumers[0].detail).toMatch(
      /^not consuming health\.q: the broker is (disconnected|connecting)$/,
    );

    const back = new Promise<void>((resolve) => bus.on('state', (s) => s === 'connected' && resolve()));
    proxy.acceptAgain();
    await back;
    const again = await request(captured.red!.httpNode).get('/healthz');
    expect(again.body.consumers).toEqual([expect.objectContaining({ ok: true, state: 'consuming' })]);
  }, 60_000);

  it('names why the store is not open, without the password', async () => {
    await load(
      all,
      [
        {
          id: 'store',
          type: 'hub-store',
          databaseUrl: 'postgres://nouser@127.0.0.1:5432/postgres',
          directory: '',
        },
      ],
      { store: { password: 's3cret-pw' } },
    );
    const warned = new Promise<string>((resolve) =>
      helper.getNode('store').once('call:warn', (c: { args: unknown[] }) => resolve(String(c.args[0]))),
    );
    expect(await warned).toBe('hub-store.log.retrying');
    const res = await request(captured.red!.httpNode).get('/healthz');
    expect(res.status).toBe(503);
    expect(res.body.store).toEqual([
      expect.objectContaining({ kind: 'postgres', ok: false, state: 'failing' }),
    ]);
    expect(res.body.store[0].detail).toMatch(/: not open \(last attempt: .*role "nouser" does not exist\)$/);
    expect(JSON.stringify(res.body)).not.toContain('s3cret-pw');
  });
});
