/**
 * The REST API while PostgreSQL cannot be reached: a real PostgresStore behind a TCP hop the test cuts,
 * as the operators reproduced it. Every route that reads or writes the store answers 503 with
 * Retry-After, and no answer names the database's address.
 */
import express from 'express';
import request from 'supertest';
import { HealthRegistry } from '../../app/api/health';
import { createHubApi } from '../../app/api/hub-api';
import { PostgresStore } from '../../records/postgres-store';
import { TcpProxy } from './amqp-tcp-proxy';
import { dropSchema, uniqueSchema } from './postgres-schema';

const PROCESS = '3f2e1d0c-9b8a-4765-a432-10fedcba9876';
const schema = uniqueSchema('crm_hub_api_down');
let proxy: TcpProxy;
let store: PostgresStore;
let server: express.Express;

beforeAll(async () => {
  proxy = await TcpProxy.start({ host: '127.0.0.1', port: 5432 });
  store = new PostgresStore({ connectionString: `postgres://postgres@127.0.0.1:${proxy.port}/test`, schema });
  await store.open();
  server = express();
  server.use('/api/v1', createHubApi({ store: () => store, health: new HealthRegistry() }));
  proxy.cut({ refuse: true });
}, 30_000);

afterAll(async () => {
  await store.close().catch(() => undefined);
  await proxy.close();
  await dropSchema(schema);
});

const routes: [string, (agent: request.Agent) => request.Test][] = [
  ['GET /customers/{id}', (a) => a.get('/api/v1/customers/crm:4711')],
  ['GET /customers/{id}/offers', (a) => a.get('/api/v1/customers/crm:4711/offers')],
  [
    'GET /customers/{id}/next-best-offer',
    (a) => a.get('/api/v1/customers/crm:4711/next-best-offer?channel=web'),
  ],
  ['GET /customers/{id}/processes', (a) => a.get('/api/v1/customers/crm:4711/processes')],
  ['GET /reviews', (a) => a.get('/api/v1/reviews')],
  [
    'PUT /customers/{id}/processes/{processId}',
    (a) =>
      a
        .put(`/api/v1/customers/crm:4711/processes/${PROCESS}`)
        .send({ kind: 'mortgage-application', lastChannel: 'web', step: 'start', data: {} }),
  ],
];

describe('the REST API while the hub store cannot be reached', () => {
  it.each(routes)(
    '%s answers 503 store-unavailable with Retry-After, naming no address',
    async (_, send) => {
      const answer = await send(request.agent(server));
      expect(answer.status).toBe(503);
      expect(answer.body).toEqual({
        error: 'store-unavailable',
        message: 'the hub store cannot be reached; try again later',
      });
      expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0);
      expect(answer.text).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|5432/);
    },
    20_000,
  );
});
