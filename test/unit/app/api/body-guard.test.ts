import { gzipSync } from 'node:zlib';
import express, { type Request, type Response } from 'express';
import request from 'supertest';
import { guardBodies } from '../../../../app/api/body-guard';
import { jsonTextDepth } from '../../../../formats/json-depth';

/**
 * A 4.7 KB gzip of 4.8 MB of nested brackets, POSTed without credentials to the console's log-in or
 * to /flows, kept Node-RED's body parser in JSON.parse for seconds: the guard goes before it.
 */
const LIMIT = 64 * 1024;

/** the guard, then Node-RED's parsers as the admin app and `http in` stack them (5 MB, inflating) */
function app(): { server: express.Express; bodies: unknown[] } {
  const bodies: unknown[] = [];
  const server = express();
  server.use(
    guardBodies({
      limitFor: (req) => (req.url.startsWith('/small') ? 100 : LIMIT),
      strictFor: (req) => req.url.startsWith('/small'),
    }),
  );
  server.use(express.json({ limit: '5mb' }), express.urlencoded({ limit: '5mb', extended: true }));
  server.post(/.*/, (req: Request, res: Response) => {
    bodies.push(req.body);
    res.json({ ok: true });
  });
  return { server, bodies };
}

const nested = (levels: number) => `{"d":${'['.repeat(levels)}${']'.repeat(levels)}}`;

/** the longest text JSON.parse was given while fn ran */
async function longestParsed(fn: () => Promise<void>): Promise<number> {
  const parse = jest.spyOn(JSON, 'parse');
  try {
    await fn();
    return Math.max(0, ...parse.mock.calls.map(([text]) => String(text).length));
  } finally {
    parse.mockRestore();
  }
}

describe('guardBodies', () => {
  it('refuses a gzip bomb of nested JSON with 415, without inflating or parsing it', async () => {
    const { server, bodies } = app();
    const bomb = gzipSync(nested(2_400_000));
    expect(bomb.length).toBeLessThan(8 * 1024);
    let res: request.Response | undefined;
    const longest = await longestParsed(async () => {
      res = await request(server)
        .post('/console/api/login')
        .set({ 'content-type': 'application/json', 'content-encoding': 'gzip' })
        .send(bomb);
    });
    expect(res!.status).toBe(415);
    expect(res!.body).toMatchObject({ error: 'unsupported-encoding' });
    expect(longest).toBeLessThan(1000);
    expect(bodies).toEqual([]);
    for (const encoding of ['deflate', 'br', 'GZIP ']) {
      const other = await request(server)
        .post('/x')
        .set({ 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': encoding })
        .send(gzipSync('a=1'));
      expect(other.status).toBe(415);
    }
  });

  it('refuses a body declared over the limit with 413 before reading it, and one sent chunked once past it', async () => {
    const { server, bodies } = app();
    const big = nested(2_400_000);
    let res: request.Response | undefined;
    const longest = await longestParsed(async () => {
      res = await request(server).post('/flows').set('content-type', 'application/json').send(big);
    });
    expect(res!.status).toBe(413);
    expect(res!.body).toMatchObject({ error: 'too-large', limit: LIMIT });
    expect(longest).toBeLessThan(1000);

    const small = await request(server)
      .post('/small/login')
      .set('content-type', 'application/x-www-form-urlencoded')
      .send(`a=${'x'.repeat(200)}`);
    expect(small.status).toBe(413);

    // chunked: no length to judge by, so the parser stops reading at the limit
    const chunked = request(server).post('/flows').set('content-type', 'application/json');
    chunked.write(`{"a":"${'x'.repeat(LIMIT)}`);
    chunked.write('"}');
    const res2 = await chunked;
    expect(res2.status).toBe(413);
    expect(bodies).toEqual([]);
  });

  it('holds a strict limit for a body of any type sent chunked: a form is read here, another type needs a length', async () => {
    const { server, bodies } = app();
    // the editor's log-in is a form: Node-RED's parser after the guard would take it up to its own limit
    const chunked = request(server).post('/small/auth/token').type('form');
    chunked.write(`username=admin&password=${'x'.repeat(100)}`);
    chunked.write('&scope=*');
    const refused = await chunked;
    expect(refused.status).toBe(413);
    expect(refused.body).toMatchObject({ error: 'too-large', limit: 100 });
    const text = request(server).post('/small/auth/token').type('text/plain');
    text.write('x');
    const unmeasured = await text;
    expect(unmeasured.status).toBe(411);
    expect(unmeasured.body).toMatchObject({ error: 'length-required' });
    expect(bodies).toEqual([]);
    // a form within the limit, chunked or not, is parsed once, as Node-RED's parser would
    const small = request(server).post('/small/auth/token').type('form');
    small.write('username=admin&pass');
    small.write('word=a%26b');
    expect((await small).status).toBe(200);
    const login = await request(server).post('/small/auth/token').type('form').send('username=admin&scope=*');
    expect(login.status).toBe(200);
    // elsewhere a chunked body of another type is left to the parsers, which hold the same limit
    const other = request(server).post('/x').type('text/plain');
    other.write('x');
    expect((await other).status).toBe(200);
    expect(bodies).toEqual([{ username: 'admin', password: 'a&b' }, { username: 'admin', scope: '*' }, {}]);
  });

  it('refuses JSON nested deeper than 100 with 400 before parsing it', async () => {
    const { server, bodies } = app();
    const deep = nested(30_000);
    let res: request.Response | undefined;
    const longest = await longestParsed(async () => {
      res = await request(server).post('/flows').set('content-type', 'application/json').send(deep);
    });
    expect(res!.status).toBe(400);
    expect(res!.body).toMatchObject({ error: 'too-deep' });
    expect(longest).toBeLessThan(1000);
    expect(bodies).toEqual([]);
  });

  it('parses what passes once, as Node-RED would, and leaves forms and bodiless requests to it', async () => {
    const { server, bodies } = app();
    const flows = { flows: [{ id: 'a', type: 'tab', label: 'x [not a bracket] {' }], rev: '1' };
    expect((await request(server).post('/flows').send(flows)).status).toBe(200);
    expect((await request(server).post('/x').type('form').send('a[b]=1')).status).toBe(200);
    expect((await request(server).post('/x')).status).toBe(200);
    const identity = await request(server).post('/x').set('content-encoding', 'identity').send({ n: 1 });
    expect(identity.status).toBe(200);
    // broken JSON is the parser's error, as Node-RED's would have been (its error handlers answer it)
    const broken = await request(server).post('/x').set('content-type', 'application/json').send('{"a":');
    expect(broken.status).toBe(400);
    expect(broken.text).toContain('SyntaxError');
    expect(bodies).toEqual([flows, { a: { b: '1' } }, {}, { n: 1 }]);
  });
});

describe('jsonTextDepth', () => {
  it('counts brackets outside strings, escapes included, and stops past the maximum', () => {
    const depth = (text: string, max?: number) => jsonTextDepth(Buffer.from(text), max);
    expect(depth('{"a":[1,{"b":[]}]}')).toBe(4);
    expect(depth('"[[[[" ')).toBe(0);
    expect(depth('{"a\\"[[[":["\\\\",[]]}')).toBe(3);
    expect(depth(nested(1_000_000), 100)).toBe(101);
    expect(depth('[]'.repeat(1000))).toBe(1);
  });
});
