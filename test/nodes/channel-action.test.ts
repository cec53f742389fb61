import request from 'supertest';
import type { HubStoreNode } from '../../nodes/hub-store/hub-store';
import { all, captured, helper, nextError, nextInput, tempDir, useHelper, load } from './harness';

useHelper();

const decision = {
  decisionId: 'd-1',
  policyId: 'address-change-mortgage',
  priority: 60,
  action: 'web-offer',
  offer: 'mortgage',
  channel: 'web',
  customerRef: 'crm:0004711',
  eventId: 'e-1',
  title: { en: 'Mortgage', de: 'Hypothek' },
  expiresAt: '2026-12-22T10:00:00.000Z',
};

describe('channel-action and hub-store', () => {
  it('stores a web offer and serves it at GET /api/v1/customers/{id}/offers?channel=web', async () => {
    const dir = tempDir('store');
    await load(all, [
      { id: 'store', type: 'hub-store', databaseUrl: '', directory: dir },
      { id: 'act', type: 'channel-action', store: 'store', wires: [['out']] },
      { id: 'out', type: 'helper' },
    ]);
    const out = nextInput<{ payload: Record<string, unknown> }>('out');
    helper.getNode('act').receive({ payload: decision });
    expect((await out).payload).toMatchObject({
      offerId: 'd-1',
      customerId: 'crm:0004711',
      offer: 'mortgage',
      status: 'open',
    });

    const res = await request(captured.red!.httpNode).get('/api/v1/customers/crm:0004711/offers?channel=web');
    expect(res.status).toBe(200);
    expect(res.body.offers).toHaveLength(1);
    expect(res.body.offers[0]).toMatchObject({ offer: 'mortgage', policyId: 'address-change-mortgage' });

    // the same decision again (a redelivered event) stores nothing twice
    const again = nextInput('out');
    helper.getNode('act').receive({ payload: decision });
    await again;
    const store = await (helper.getNode('store') as unknown as HubStoreNode).ready;
    expect(await store.listOffers('crm:0004711')).toHaveLength(1);
  });

  it('answers bad API input with a 4xx JSON error naming the field', async () => {
    await load(all, [{ id: 'store', type: 'hub-store', databaseUrl: '', directory: tempDir('store') }]);
    const bad = await request(captured.red!.httpNode).get('/api/v1/customers/no-system-prefix/offers');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: 'invalid-customer-id', field: 'id' });
    const missing = await request(captured.red!.httpNode).get('/api/v1/nothing-here');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toBe('not-found');
  });

  it('rejects a decision without a customer, naming the field', async () => {
    await load(all, [
      { id: 'store', type: 'hub-store', databaseUrl: '', directory: tempDir('store') },
      { id: 'act', type: 'channel-action', store: 'store', wires: [[]] },
    ]);
    const err = nextError('act');
    helper.getNode('act').receive({ payload: { ...decision, customerRef: undefined } });
    expect(await err).toContain("'customerRef'");
  });

  it('reports the store in /healthz', async () => {
    await load(all, [{ id: 'store', type: 'hub-store', databaseUrl: '', directory: tempDir('store') }]);
    await (helper.getNode('store') as unknown as HubStoreNode).ready;
    const res = await request(captured.red!.httpNode).get('/healthz');
    expect(res.body.store).toEqual([expect.objectContaining({ kind: 'embedded', ok: true })]);
    expect(res.body.flows.state).toBe('started');
  });
});

describe('hub-store with a database that is not reachable', () => {
  it('keeps retrying instead of failing, and /healthz says the store is not open', async () => {
    // a port nothing listens on: the store cannot open, the hub must stay up and report it
    await load(all, [
      { id: 'store', type: 'hub-store', databaseUrl: 'postgres://postgres@127.0.0.1:1/test', directory: '' },
    ]);
    const warned = new Promise<string>((resolve) =>
      helper.getNode('store').once('call:warn', (c: { args: unknown[] }) => resolve(String(c.args[0]))),
    );
    expect(await warned).toContain('retrying');
    const res = await request(captured.red!.httpNode).get('/healthz');
    expect(res.status).toBe(503);
    expect(res.body.store).toEqual([expect.objectContaining({ kind: 'postgres', ok: false })]);
    const offers = await request(captured.red!.httpNode).get('/api/v1/customers/crm:1/offers');
    expect(offers.status).toBe(503);
    expect(offers.body.error).toBe('no-store');
  });
});
