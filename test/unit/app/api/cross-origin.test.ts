/** No CORS for the hub's endpoints, wherever Node-RED's httpNodeRoot puts them; the rest untouched. */
import express from 'express';
import request from 'supertest';
import { withoutCrossOrigin } from '../../../../app/api/cross-origin';

/** Node-RED's shape in small: the guard first, then an editor app answering everything with CORS. */
function server(nodeRoot: string): express.Express {
  const app = express();
  app.use(withoutCrossOrigin(nodeRoot));
  app.use((req, res, next) => {
    res.setHeader('Access-Control-Allow-Origin', '*');
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'GET,PUT,POST,DELETE');
      res.status(204).end();
      return;
    }
    next();
  });
  app.use((_req, res) => void res.json({ ok: true }));
  return app;
}

describe('withoutCrossOrigin', () => {
  it.each([
    ['/', '/api/v1/customers/crm:1', '/flows'],
    ['/hub', '/hub/api/v1/customers/crm:1', '/api/v1/customers/crm:1'],
    ['/hub/', '/HUB/SOAP/crm', '/hubx/soap/crm'],
  ])('under httpNodeRoot %s: none on %s, the editor’s on %s', async (root, hub, other) => {
    const app = server(root);
    const preflight = await request(app).options(hub).set('Origin', 'https://evil.example');
    expect(preflight.status).toBe(204);
    expect(Object.keys(preflight.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
    const answer = await request(app).get(hub).set('Origin', 'https://evil.example');
    expect(answer.headers['access-control-allow-origin']).toBeUndefined();
    expect(answer.body).toEqual({ ok: true });
    const editor = await request(app).get(other).set('Origin', 'https://evil.example');
    expect(editor.headers['access-control-allow-origin']).toBe('*');
  });
});
