import request from 'supertest';
import { migrations } from '../../nodes/hub-store/migrations';
import { withPassword, type HubStoreNode } from '../../nodes/hub-store/hub-store';
import { migrate } from '../../nodes/shared/migrate';
import { applyWithGoldenRecord, GoldenIntake } from '../../records/golden-intake';
import { EmbeddedStore } from '../../records/embedded-store';
import type { HubStore } from '../../records/store';
import { annaSchmidt } from '../fixtures/anna-schmidt';
import { all, captured, helper, tempDir, useHelper, load } from './harness';

useHelper();

describe('hub-store', () => {
  it('reports the store in /healthz', async () => {
    await load(all, [{ id: 'store', type: 'hub-store', databaseUrl: '', directory: tempDir('store') }]);
    await (helper.getNode('store') as unknown as HubStoreNode).ready;
    const res = await request(captured.red!.httpNode).get('/healthz');
    expect(res.body.store).toEqual([expect.objectContaining({ kind: 'embedded', ok: true })]);
    expect(res.body.flows.state).toBe('started');
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

  it('puts the password from the credentials into the database URL, encoded', () => {
    expect(withPassword('postgres://hub@db.example:5432/crm', 'p@ss word')).toBe(
      'postgres://hub:p%40ss%20word@db.example:5432/crm',
    );
    expect(withPassword('', 'secret')).toBe('');
    expect(withPassword('postgres://hub@db.example/crm', undefined)).toBe('postgres://hub@db.example/crm');
  });
});

describe('the customer 360 under settings.js crmHub.serviceLevel', () => {
  afterEach(() => helper.settings({}));

  const silverAnna = (store: HubStore) =>
    applyWithGoldenRecord(
      store,
      new GoldenIntake(store),
      annaSchmidt('sap', '80042', 'Leopoldstraße', 0, { extra: { tier: 'silver' } }),
    );

  it('serves the tiers as the settings map them', async () => {
    const settings: Record<string, unknown> = { crmHub: { serviceLevel: { tiers: { silver: 'priority' } } } };
    helper.settings(settings);
    await load(all, [{ id: 'store', type: 'hub-store', databaseUrl: '', directory: tempDir('store') }]);
    await silverAnna(await (helper.getNode('store') as unknown as HubStoreNode).ready);
    const view = await request(captured.red!.httpNode).get('/api/v1/customers/sap:80042');
    expect(view.status).toBe(200);
    expect(view.body.serviceLevel).toMatchObject({ level: 'priority', reasons: ['tier silver: priority'] });
  });

  it('logs a wrong setting, naming it, and answers with the defaults', async () => {
    const settings: Record<string, unknown> = { crmHub: { serviceLevel: { tiers: { silver: 'vip' } } } };
    helper.settings(settings);
    await load(all, [{ id: 'store', type: 'hub-store', databaseUrl: '', directory: tempDir('store') }]);
    await silverAnna(await (helper.getNode('store') as unknown as HubStoreNode).ready);
    const errors = jest.spyOn(captured.red!.log, 'error');
    const view = await request(captured.red!.httpNode).get('/api/v1/customers/sap:80042');
    expect(view.status).toBe(200);
    expect(view.body.serviceLevel).toMatchObject({ level: 'standard', reasons: ['tier silver: standard'] });
    expect(errors).toHaveBeenCalledWith(
      'service level: crmHub.serviceLevel.tiers.silver must be one of standard, priority, premium, not "vip"; the defaults apply',
    );
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
    expect(await warned).toBe('hub-store.log.retrying');
    const res = await request(captured.red!.httpNode).get('/healthz');
    expect(res.status).toBe(503);
    expect(res.body.store).toEqual([expect.objectContaining({ kind: 'postgres', ok: false })]);
    const offers = await request(captured.red!.httpNode).get('/api/v1/customers/crm:1/offers');
    expect(offers.status).toBe(503);
    // a hub-store is deployed: "no hub-store is deployed" would send the operator looking for it
    expect(offers.body.error).toBe('store-unavailable');
    expect(offers.body.message).toMatch(/deployed but not open yet/);
    expect(offers.headers['retry-after']).toBeDefined();
  });
});

describe('hub-store config versions', () => {
  it('reads a config saved before versions existed in the current shape and opens the store', async () => {
    const saved = {
      id: 'store',
      type: 'hub-store',
      name: 'hub store',
      databaseUrl: '',
      directory: tempDir('saved'),
    };
    expect(migrate(saved, migrations)).toEqual({ ...saved, retentionDays: '', version: 2 });
    await load(all, [saved]);
    const store = await (helper.getNode('store') as unknown as HubStoreNode).ready;
    expect(store.kind).toBe('embedded');
    const res = await request(captured.red!.httpNode).get('/healthz');
    expect(res.body.store).toEqual([expect.objectContaining({ name: 'hub store', ok: true })]);
  });
});

describe('hub-store idempotency retention', () => {
  afterEach(() => helper.settings({}));

  /** a store directory holding ids processed 40 days ago and one processed now */
  async function seeded(): Promise<string> {
    const directory = tempDir('retention');
    const old = new EmbeddedStore({ directory, now: () => Date.now() - 40 * 24 * 60 * 60 * 1000 });
    await old.open();
    await old.markProcessed('crm-hub.policy-engine', 'evt-old');
    await old.recordEventDigests([{ eventId: 'evt-old', digest: 'd-old' }]);
    await old.close();
    const recent = new EmbeddedStore({ directory });
    await recent.open();
    await recent.markProcessed('crm-hub.policy-engine', 'evt-new');
    await recent.close();
    return directory;
  }

  it('sweeps what is older than the window the setting gives, and keeps the rest', async () => {
    const settings: Record<string, unknown> = { crmHub: { idempotencyRetentionDays: '30' } };
    helper.settings(settings);
    const directory = await seeded();
    await load(all, [{ id: 'store', type: 'hub-store', databaseUrl: '', directory }]);
    const node = helper.getNode('store') as unknown as HubStoreNode;
    const store = await node.ready;
    // joins the sweep the node started at open (or runs one more): either way it is done after this
    await node.retention!.sweep();
    expect(await store.wasProcessed('crm-hub.policy-engine', 'evt-old')).toBe(false);
    expect(await store.wasProcessed('crm-hub.policy-engine', 'evt-new')).toBe(true);
    expect(await store.recordEventDigests([{ eventId: 'evt-old', digest: 'd-new' }])).toEqual(['d-new']);
  });

  it('keeps everything inside a longer window set on the node', async () => {
    const settings: Record<string, unknown> = { crmHub: { idempotencyRetentionDays: '30' } };
    helper.settings(settings);
    const directory = await seeded();
    await load(all, [{ id: 'store', type: 'hub-store', databaseUrl: '', directory, retentionDays: '60' }]);
    const node = helper.getNode('store') as unknown as HubStoreNode;
    const store = await node.ready;
    await node.retention!.sweep();
    expect(await store.wasProcessed('crm-hub.policy-engine', 'evt-old')).toBe(true);
    expect(await store.recordEventDigests([{ eventId: 'evt-old', digest: 'd-new' }])).toEqual(['d-old']);
  });

  it('prunes nothing and says why when the window is no whole number of days', async () => {
    const directory = await seeded();
    await load(all, [{ id: 'store', type: 'hub-store', databaseUrl: '', directory, retentionDays: '30d' }]);
    const node = helper.getNode('store') as unknown as HubStoreNode;
    const store = await node.ready;
    expect(node.retention).toBeUndefined();
    const said = (helper.log().args as [{ msg?: unknown }][]).map(([entry]) => String(entry?.msg));
    expect(said).toContain('hub-store.log.retention-invalid');
    expect(await store.wasProcessed('crm-hub.policy-engine', 'evt-old')).toBe(true);
  });
});
