/**
 * No error reaches a client with its stack: express's own final handler writes it (with the install's
 * paths) unless NODE_ENV is production, which nothing guarantees; the glue puts errorsWithoutStack last.
 */
import express from 'express';
import request from 'supertest';
import { mountErrorsWithoutStack } from '../../../../nodes/shared/fast-path-mount';
import { nodeRedShape } from './node-red-shape';

function hub(mounted: boolean) {
  const shape = nodeRedShape({ editorBodies: true });
  const logged: string[] = [];
  Object.assign(shape.red.log, { error: (message: string) => logged.push(message) });
  // an http-in node's route: its own body parser, and a flow that throws
  shape.node.post('/demo/gateways/sms/messages', express.json(), (_req, res) => void res.json({ ok: true }));
  shape.node.get('/demo/fails', () => {
    throw new Error('cannot open /srv/hub/secret.db');
  });
  if (mounted) expect(mountErrorsWithoutStack(shape.red)).toBe(true);
  return { app: shape.root, logged };
}

const STACK = /\bat [\w.<>]+ \(|node_modules|\.js:\d+/;

describe('errorsWithoutStack, last in the Node-RED server', () => {
  it('answers a body that is no JSON with 400 and what the parser said, without the stack', async () => {
    const { app } = hub(true);
    for (const path of ['/flows', '/auth/token', '/demo/gateways/sms/messages']) {
      const res = await request(app).post(path).set('content-type', 'application/json').send('{"a":');
      expect([path, res.status]).toEqual([path, 400]);
      expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
      expect(res.text).toMatch(/^Bad Request: .*JSON/);
      expect(res.text).not.toMatch(STACK);
    }
    // as express answers it on its own while NODE_ENV is not production (jest sets "test")
    const leaked = await request(hub(false).app)
      .post('/flows')
      .set('content-type', 'application/json')
      .send('{"a":');
    expect(leaked.text).toMatch(STACK);
  });

  it('answers a body over the limit with 413, and a thrown error with 500 and its status only', async () => {
    const { app, logged } = hub(true);
    // a parser's own limit (settings.js's guard answers JSON above 1 MiB itself, and leaves forms to it)
    const large = await request(app)
      .post('/demo/gateways/sms/messages')
      .type('form')
      .send(`a=${'1'.repeat(200 * 1024)}`);
    expect(large.status).toBe(413);
    expect(large.text).toBe('Payload Too Large: request entity too large\n');
    const failed = await request(app).get('/demo/fails');
    expect(failed.status).toBe(500);
    expect(failed.text).toBe('Internal Server Error\n');
    expect(logged).toEqual([
      expect.stringContaining('GET /demo/fails: Error: cannot open /srv/hub/secret.db'),
    ]);
  });

  it('stays off where the node endpoints are in no server of their own', () => {
    const shape = nodeRedShape({});
    const red = { ...shape.red, httpNode: express() } as typeof shape.red;
    expect(mountErrorsWithoutStack(red)).toBe(false);
  });
});
