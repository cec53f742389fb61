import express from 'express';
import request from 'supertest';
import { allowedMethods, type RoutedApp } from '../../../../app/api/allowed-methods';
import { withoutCrossOrigin } from '../../../../app/api/cross-origin';
import { HealthRegistry } from '../../../../app/api/health';
import { createHealthHandler, createHubApi } from '../../../../app/api/hub-api';

/**
 * OPTIONS on the hub's endpoints is answered ahead of Node-RED's editor app (whose CORS handler ends
 * every OPTIONS with "allowed"): it named GET, HEAD, POST, PUT, DELETE for every path, known or not,
 * while the 405s named each resource's own methods. Now it names the 405's list, read from the routes.
 */
function hub(): express.Express {
  const node = express();
  node.get('/healthz', createHealthHandler(new HealthRegistry()));
  node.use('/api/v1', createHubApi({ store: () => undefined, health: new HealthRegistry() }));
  const root = express();
  root.use(withoutCrossOrigin('/', { allow: (path) => allowedMethods(node as unknown as RoutedApp, path) }));
  // the editor's CORS handler, as Node-RED's admin app has it first
  root.use((req, res, next) => {
    if (req.method !== 'OPTIONS') return next();
    res.status(204).set('Allow', 'GET, HEAD, POST, PUT, DELETE').end();
  });
  root.use('/', node);
  return root;
}

const PROCESS = '/api/v1/customers/web:77/processes/3f2e1d0c-9b8a-4765-a432-10fedcba9876';

describe('OPTIONS on the hub endpoints', () => {
  it.each([
    '/api/v1/events',
    '/api/v1/responses',
    '/api/v1/customers/crm:4711',
    '/api/v1/customers/crm:4711/offers',
    '/api/v1/customers/crm:4711/next-best-offer?channel=web',
    '/api/v1/customers/crm:4711/processes',
    PROCESS,
    '/api/v1/policies',
    '/api/v1/policies/dry-run',
    '/api/v1/policies/p-1',
    '/api/v1/policies/p-1/toggle',
    '/api/v1/policies/p-1/state',
    '/api/v1/policies/p-1/audit',
    '/api/v1/policies/p-1/explain',
    '/api/v1/decisions/0123456789abcdef0123456789abcdef',
    '/api/v1/reviews',
    '/api/v1/reviews/r-1',
    '/api/v1/customers/g-1/unmerge',
    '/api/v1/customers/g-1/merge',
    '/api/v1/dead-letters',
    '/api/v1/dead-letters/replay',
    '/api/v1/dead-letters/m-1',
    '/api/v1/dead-letters/m-1/replay',
  ])('%s: 204 with the Allow its 405 gives', async (path) => {
    const app = hub();
    const refused = await request(app).patch(path);
    expect(refused.status).toBe(405);
    const options = await request(app).options(path);
    expect({ status: options.status, allow: options.headers.allow }).toEqual({
      status: 204,
      allow: refused.headers.allow,
    });
  });

  it('names the real methods: the process takes PUT, the event list POST alone, /healthz GET and HEAD', async () => {
    const app = hub();
    expect((await request(app).options(PROCESS)).headers.allow).toBe('GET, HEAD, PUT');
    expect((await request(app).options('/api/v1/events')).headers.allow).toBe('POST');
    expect((await request(app).options('/healthz')).headers.allow).toBe('GET, HEAD');
    expect((await request(app).options('/soap/hub')).headers.allow).toBe('GET, POST');
  });

  it('answers an unknown path 404 JSON, as any other method there', async () => {
    const res = await request(hub()).options('/api/v1/nonexistent');
    expect({ status: res.status, type: res.type, error: res.body.error }).toEqual({
      status: 404,
      type: 'application/json',
      error: 'not-found',
    });
    expect(res.body.message).toContain('/api/v1/nonexistent');
  });

  it('answers OPTIONS on the routes themselves the same where nothing goes first', async () => {
    const app = express().use(
      '/api/v1',
      createHubApi({ store: () => undefined, health: new HealthRegistry() }),
    );
    const res = await request(app).options(PROCESS);
    expect({ status: res.status, allow: res.headers.allow }).toEqual({
      status: 204,
      allow: 'GET, HEAD, PUT',
    });
    expect((await request(app).options('/api/v1/nonexistent')).status).toBe(404);
  });
});
