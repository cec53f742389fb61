/** The REST API's answer while the hub store cannot be reached, or is deployed but not open yet. */
import express from 'express';
import request from 'supertest';
import { isStoreUnreachable } from '../../../../app/api/api-error';
import { HealthRegistry } from '../../../../app/api/health';
import { createHubApi } from '../../../../app/api/hub-api';

const coded = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isStoreUnreachable', () => {
  it.each([
    ['a refused connection', coded('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5439')],
    ['a timed out one', coded('ETIMEDOUT')],
    ['a reset one', coded('ECONNRESET')],
    ['a connection that ended', new Error('Connection terminated unexpectedly')],
    ['pg: connection failure 08006', coded('08006')],
    ['pg: cannot connect now 57P03', coded('57P03')],
    ['pg: admin shutdown 57P01', coded('57P01')],
    ['the pool waiting in vain', new Error('timeout exceeded when trying to connect')],
    ['every address of localhost', new AggregateError([coded('ECONNREFUSED'), coded('ECONNREFUSED')], '')],
    ['a wrapped one', new Error('could not create tables', { cause: coded('ECONNREFUSED') })],
  ])('holds for %s', (_, err) => expect(isStoreUnreachable(err)).toBe(true));

  it.each([
    ['a unique violation', coded('23505', 'duplicate key value')],
    ['a syntax error', coded('42601')],
    ['a plain error', new Error('boom')],
    ['no error at all', undefined],
  ])('does not hold for %s', (_, err) => expect(isStoreUnreachable(err)).toBe(false));
});

describe('the REST API without an open store', () => {
  const paths = ['/api/v1/customers/crm:4711', '/api/v1/customers/crm:4711/processes', '/api/v1/reviews'];

  it.each(paths)('%s: deployed but not open is 503 store-unavailable, saying so', async (path) => {
    const health = new HealthRegistry();
    health.addStore('store-1', async () => ({
      id: 'store-1',
      name: 'hub-store',
      kind: 'postgres',
      ok: false,
      state: 'failing',
      detail: 'connect ECONNREFUSED 127.0.0.1:5439',
    }));
    const server = express().use('/api/v1', createHubApi({ store: () => undefined, health }));
    const answer = await request(server).get(path);
    expect(answer.status).toBe(503);
    expect(answer.body.error).toBe('store-unavailable');
    expect(answer.body.message).toMatch(/deployed but not open yet/);
    expect(answer.body.message).not.toMatch(/no hub-store is deployed|127\.0\.0\.1/);
    expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0);
  });

  it.each(paths)(
    '%s: deployed with settings it cannot use is 503 store-misconfigured, saying so',
    async (path) => {
      const health = new HealthRegistry();
      health.addStore(
        'store-1',
        async () => ({
          id: 'store-1',
          name: 'hub-store',
          kind: 'unusable',
          ok: false,
          state: 'failing',
          detail:
            'PostgresStore: connectionString must start with postgres:// or postgresql://, got mysql://',
        }),
        { unusable: true },
      );
      const server = express().use('/api/v1', createHubApi({ store: () => undefined, health }));
      const answer = await request(server).get(path);
      expect(answer.status).toBe(503);
      expect(answer.body.error).toBe('store-misconfigured');
      expect(answer.body.message).toMatch(/hub-store settings are invalid/);
      expect(answer.body.message).not.toMatch(/not open yet|cannot be reached|mysql/);
      // waiting does not mend a configuration: no Retry-After
      expect(answer.headers['retry-after']).toBeUndefined();
    },
  );

  it('a usable store deployed beside an unusable one is only not open yet', async () => {
    const health = new HealthRegistry();
    const probe = async () => ({ id: 'x', name: 'x', kind: 'x', ok: false, state: 'failing', detail: '' });
    health.addStore('bad', probe, { unusable: true });
    health.addStore('late', probe);
    const server = express().use('/api/v1', createHubApi({ store: () => undefined, health }));
    expect((await request(server).get(paths[0])).body.error).toBe('store-unavailable');
    health.remove('late');
    expect((await request(server).get(paths[0])).body.error).toBe('store-misconfigured');
    health.remove('bad');
    expect((await request(server).get(paths[0])).body.error).toBe('no-store');
  });

  it.each(paths)('%s: none deployed stays 503 no-store', async (path) => {
    const server = express().use(
      '/api/v1',
      createHubApi({ store: () => undefined, health: new HealthRegistry() }),
    );
    const answer = await request(server).get(path);
    expect(answer.status).toBe(503);
    expect(answer.body).toMatchObject({ error: 'no-store' });
  });
});

describe('the REST API when the store fails otherwise', () => {
  it('answers 500 with an incident id instead of the error text, and logs the text under that id', async () => {
    const logged: string[] = [];
    // a store that answers, but fails in a way no status fits: its text names the schema
    const failing = new Error('relation "crm_hub.golden_rows" does not exist');
    const store = new Proxy(
      {},
      {
        get: () => () => Promise.reject(failing),
      },
    );
    const server = express().use(
      '/api/v1',
      createHubApi({
        store: () => store as never,
        health: new HealthRegistry(),
        logError: (message) => logged.push(message),
      }),
    );
    const answer = await request(server).get('/api/v1/customers/crm:4711?access_token=secret-token');
    expect(answer.status).toBe(500);
    expect(answer.body).toEqual({
      error: 'internal',
      message: `the hub failed on this request; its log names the cause under incident ${answer.body.incident}`,
      incident: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    expect(JSON.stringify(answer.body)).not.toContain('crm_hub');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain(`incident ${answer.body.incident}`);
    expect(logged[0]).toContain('relation "crm_hub.golden_rows" does not exist');
    expect(logged[0]).toMatch(/^GET \/api\/v1\/customers\/crm:4711: /);
    expect(logged[0]).not.toContain('secret-token');
  });
});
