import http from 'node:http';
import express from 'express';
import { HealthRegistry } from '../../../../app/api/health';
import { createHubApi } from '../../../../app/api/hub-api';
import type { ContactOffer, DefaultOffer, LurkingOffers } from '../../../../records/customer-view';
import type { HubStore, StoredOffer } from '../../../../records/store';
import { mountNextBestOfferFastPath } from '../../../../nodes/shared/fast-path-mount';
import { mountWithoutCrossOrigin } from '../../../../nodes/shared/local-only-mount';
import type { RED } from '../../../../nodes/shared/red';
import { nodeRedShape, stackOf, type Answer } from './node-red-shape';

/**
 * The fast path of GET …/next-best-offer must answer exactly what the express route answers, or pass the
 * request on. Two servers of Node-RED's shape (a server app; the editor's app at / with its CORS header
 * and settings.js's httpAdminMiddleware; optionally basic auth; the node app with the hub API) get the
 * same requests, one with the fast path mounted by the glue: status, raw headers but Date, and body
 * must be equal, and the node app counts what the fast path passed on.
 */

const FUTURE = '2999-01-01T00:00:00.000Z';

const stored = (offerId: string, priority: number, offer: string): StoredOffer => ({
  offerId,
  customerId: 'crm:4711',
  channel: 'web',
  action: 'web-offer',
  offer,
  policyId: `p-${offer}`,
  eventId: `e-${offerId}`,
  priority,
  title: { de: 'Hypothek für München', en: 'Mortgage' },
  createdAt: '2026-11-20T10:00:00.000Z',
  expiresAt: FUTURE,
  status: 'open',
});

const lurkingOffer: ContactOffer = {
  offerId: 'l-loan',
  policyId: 'lurk-loan',
  title: { de: 'Kredit', en: 'Loan' },
  priority: 50,
  action: 'web-offer',
  offer: 'loan',
  channel: 'web',
  decidedAt: '2999-01-01T00:00:00.000Z',
  reasons: [{ condition: 'customer.tier == "gold"', held: true, actual: 'gold' }],
};

interface Options {
  store?: HubStore;
  lurking?: LurkingOffers;
  switchedOff?: (policyId: string) => boolean;
  defaultOffer?: DefaultOffer;
  /** the Authorization header Node-RED's basic auth accepts; none: no httpNodeAuth */
  auth?: string;
  fast: boolean;
  settings?: Record<string, unknown>;
  /** what ensureHubRoutes puts first after the fast paths (app/api/cross-origin.ts), as the hub runs */
  guarded?: boolean;
}

interface Running {
  url: string;
  /** requests that reached the node app: the ones the fast path passed on, or all without it */
  reachedNodeApp: string[];
  root: express.Express;
  installed: boolean;
  close(): Promise<void>;
}

const working = (offers: StoredOffer[]): HubStore =>
  ({
    getCustomer: async (ref: string) => ({ customerRef: ref, version: 1, document: { tier: 'gold' } }),
    listOffers: async () => offers,
  }) as unknown as HubStore;

/** A server of Node-RED's shape (node-red-shape.ts) with the hub API, and the fast path if asked. */
async function start(options: Options): Promise<Running> {
  const shape = nodeRedShape({
    ...(options.auth ? { auth: options.auth } : {}),
    ...(options.settings ? { settings: options.settings } : {}),
  });
  const context = {
    store: () => options.store,
    ...(options.lurking ? { lurking: options.lurking } : {}),
    ...(options.switchedOff ? { switchedOff: options.switchedOff } : {}),
    defaultOffer: () => options.defaultOffer,
  };
  const accepted = options.fast ? mountNextBestOfferFastPath(shape.red, context) : undefined;
  if (options.guarded) expect(mountWithoutCrossOrigin(shape.red)).toBe(true);
  shape.node.use(
    '/api/v1',
    createHubApi({
      ...context,
      health: new HealthRegistry(),
      ...(accepted ? { credentialsAccepted: accepted } : {}),
    }),
  );
  return { ...(await shape.listen()), reachedNodeApp: shape.reachedNodeApp, root: shape.root };
}

function call(url: string, target: string, headers: Record<string, string> = {}, method = 'GET') {
  return new Promise<Answer>((resolve, reject) => {
    const req = http.request(`${url}${target}`, { method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        const raw = res.rawHeaders;
        const kept: string[] = [];
        for (let i = 0; i < raw.length; i += 2) if (raw[i] !== 'Date') kept.push(`${raw[i]}: ${raw[i + 1]}`);
        resolve({ status: res.statusCode ?? 0, headers: kept, body });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

const NBO = '/api/v1/customers/crm:4711/next-best-offer';

describe('next best offer fast path', () => {
  const running: Running[] = [];
  const pair = async (options: Omit<Options, 'fast'>) => {
    const slow = await start({ ...options, fast: false });
    const fast = await start({ ...options, fast: true });
    running.push(slow, fast);
    expect(fast.installed).toBe(true);
    return { slow, fast };
  };
  afterEach(async () => {
    await Promise.all(running.splice(0).map((r) => r.close()));
  });

  const offers = [stored('o1', 60, 'mortgage'), stored('o2', 40, 'savings')];

  it('answers the route’s bytes itself for plain requests', async () => {
    const lurking = () => [lurkingOffer];
    const { slow, fast } = await pair({ store: working(offers), lurking });
    for (const target of [
      `${NBO}?channel=web&point=home&limit=3`,
      `${NBO}?channel=web`,
      `${NBO}?limit=2&eventType=web-visit&channel=web`,
      '/api/v1/customers/crm%3A4711/next-best-offer?channel=web',
      // SAP's padded number: both answer the customer as the hub keys it, sap:4711
      '/api/v1/customers/sap:0000004711/next-best-offer?channel=web',
    ]) {
      const expected = await call(slow.url, target);
      expect(expected.status).toBe(200);
      expect(await call(fast.url, target)).toEqual(expected);
    }
    expect(fast.reachedNodeApp).toEqual([]);
    const padded = await call(fast.url, '/api/v1/customers/sap:0000004711/next-best-offer?channel=web');
    expect(JSON.parse(padded.body).customerRef).toBe('sap:4711');
    const answer = await call(fast.url, `${NBO}?channel=web&limit=3`);
    // no CORS header: the editor's never reaches the hub's endpoints (app/api/cross-origin.ts)
    expect(answer.headers.slice(0, 3)).toEqual([
      'Content-Type: application/json; charset=utf-8',
      `Content-Length: ${Buffer.byteLength(answer.body)}`,
      expect.stringMatching(/^ETag: W\/"[0-9a-f]+-[A-Za-z0-9+/]{27}"$/),
    ]);
    expect(JSON.parse(answer.body).offers.map((o: { offerId: string }) => o.offerId)).toEqual([
      'o1',
      'l-loan',
      'o2',
    ]);
  });

  it('tells the lurking cards only what it answered, and holds back a switched-off policy’s offers', async () => {
    const told: string[][] = [];
    const lurking: LurkingOffers = () => ({
      offers: [lurkingOffer],
      shown: (shown) => told.push(shown.map((o) => o.offerId)),
    });
    // p-mortgage (60) is switched off: o2 (40) and the lurking loan (50) are left
    const switchedOff = (policyId: string) => policyId === 'p-mortgage';
    const fast = await start({ store: working(offers), lurking, switchedOff, fast: true });
    running.push(fast);
    const one = JSON.parse((await call(fast.url, `${NBO}?channel=web&limit=1`)).body);
    expect(one.offers.map((o: { offerId: string }) => o.offerId)).toEqual(['l-loan']);
    expect(one.explanation).toContain('1 held back: p-mortgage switched off');
    // the lurking loan ranks below a stored offer of 60 once p-mortgage is on again: not shown, not told
    const on = await start({ store: working(offers), lurking, fast: true });
    running.push(on);
    const first = JSON.parse((await call(on.url, `${NBO}?channel=web`)).body);
    expect(first.offers.map((o: { offerId: string }) => o.offerId)).toEqual(['o1']);
    expect(fast.reachedNodeApp).toEqual([]);
    expect(on.reachedNodeApp).toEqual([]);
    expect(told).toEqual([['l-loan'], []]);
  });

  it('answers the default offer as the route does', async () => {
    const { slow, fast } = await pair({ store: working([]), defaultOffer: { offer: 'newsletter' } });
    const expected = await call(slow.url, `${NBO}?channel=web`);
    expect(JSON.parse(expected.body).default.offer).toBe('newsletter');
    expect(await call(fast.url, `${NBO}?channel=web`)).toEqual(expected);
    expect(fast.reachedNodeApp).toEqual([]);
  });

  it('passes on what is not plain or what the route refuses, which then answers as before', async () => {
    const { slow, fast } = await pair({ store: working(offers) });
    const etag = (await call(slow.url, `${NBO}?channel=web`)).headers
      .find((h) => h.startsWith('ETag: '))
      ?.slice(6);
    const cases: [string, Record<string, string>?, string?][] = [
      [NBO],
      [`${NBO}?channel=Web`],
      [`${NBO}?channel=fax`],
      [`${NBO}?channel=web&channel=app`],
      [`${NBO}?channel=web&utm_source=mail`],
      [`${NBO}?channel=w%65b`],
      [`${NBO}?channel=web&limit=0`],
      [`${NBO}?channel=web&limit`],
      [`${NBO}?channel=web&&limit=2`],
      [`${NBO}?channel[]=web`],
      ['/api/v1/customers/crm%E0%A4%A/next-best-offer?channel=web'],
      ['/api/v1/customers/4711/next-best-offer?channel=web'],
      ['/API/V1/customers/crm:4711/next-best-offer?channel=web'],
      [`${NBO}/?channel=web`],
      [`${NBO}?channel=web`, { 'if-none-match': etag ?? '' }],
      [`${NBO}?channel=web`, { 'if-modified-since': 'Thu, 01 Jan 2026 00:00:00 GMT' }],
      [`${NBO}?channel=web`, { 'content-type': 'application/json', 'content-length': '0' }],
      [`${NBO}?channel=web`, {}, 'HEAD'],
    ];
    for (const [target, headers, method] of cases) {
      const expected = await call(slow.url, target, headers, method);
      expect([target, await call(fast.url, target, headers, method)]).toEqual([target, expected]);
    }
    // every one of them went the long way; the 304 and the 400s came from express
    expect(fast.reachedNodeApp).toHaveLength(cases.length);
    expect((await call(fast.url, `${NBO}?channel=web`, { 'if-none-match': etag ?? '' })).status).toBe(304);
  });

  it('passes on without a store and when a read fails, so the route renders the error', async () => {
    const failing = {
      getCustomer: async () => undefined,
      listOffers: async () => {
        throw new Error('disk gone');
      },
    } as unknown as HubStore;
    // each 500 names an incident of its own (and so has an ETag of its own)
    const sameBut = (answer: Awaited<ReturnType<typeof call>>) => ({
      ...answer,
      body: answer.body.replace(/[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}/g, '<incident>'),
      headers: answer.headers.filter((h) => !h.startsWith('ETag:')),
    });
    const logged = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    for (const store of [undefined, failing]) {
      const { slow, fast } = await pair(store ? { store } : {});
      const expected = await call(slow.url, `${NBO}?channel=web`);
      expect(expected.status).toBe(store ? 500 : 503);
      expect(sameBut(await call(fast.url, `${NBO}?channel=web`))).toEqual(sameBut(expected));
      expect(fast.reachedNodeApp).toHaveLength(1);
    }
    // the failing read, once for each server, is in the log under its incident
    expect(logged.mock.calls.filter(([m]) => String(m).includes('disk gone'))).toHaveLength(2);
    logged.mockRestore();
  });

  it('without API credentials, refuses a client beyond this machine ahead of the fast path', async () => {
    const app = await start({ store: working(offers), fast: true, guarded: true });
    running.push(app);
    const target = `${NBO}?channel=web`;
    const proxied: Record<string, string>[] = [
      { 'X-Forwarded-For': '203.0.113.7' },
      { Forwarded: 'for=203.0.113.7' },
      { 'X-Real-IP': '203.0.113.7' },
      { Host: 'attacker.example:1880' },
    ];
    for (const headers of proxied) {
      const refused = await call(app.url, target, headers);
      expect([headers, refused.status, JSON.parse(refused.body).error]).toEqual([
        headers,
        403,
        'loopback-only',
      ]);
    }
    const local = await call(app.url, target);
    expect(local.status).toBe(200);
    expect(JSON.parse(local.body).offers[0]).toMatchObject({ offer: 'mortgage' });
    // refused and answered alike ahead of the node app
    expect(app.reachedNodeApp).toEqual([]);
  });

  it('with API credentials, takes only a header Node-RED’s auth has let through', async () => {
    const good = `Basic ${Buffer.from('api:secret').toString('base64')}`;
    const bad = `Basic ${Buffer.from('api:wrong').toString('base64')}`;
    const { slow, fast } = await pair({ store: working(offers), auth: good });
    const target = `${NBO}?channel=web`;
    expect((await call(fast.url, target)).status).toBe(401);
    expect((await call(fast.url, target, { authorization: bad })).status).toBe(401);
    expect(fast.reachedNodeApp).toEqual([]); // refused by the auth layer, in front of the node app
    const expected = await call(slow.url, target, { authorization: good });
    expect(expected.status).toBe(200);
    // the first time through Node-RED's auth, then the fast path
    expect(await call(fast.url, target, { authorization: good })).toEqual(expected);
    expect(fast.reachedNodeApp).toHaveLength(1);
    expect(await call(fast.url, target, { authorization: good })).toEqual(expected);
    expect(fast.reachedNodeApp).toHaveLength(1);
    expect((await call(fast.url, target, { authorization: bad })).status).toBe(401);
    expect((await call(fast.url, target)).status).toBe(401);
  });

  it.each([
    ['an httpAdminMiddleware of its own', { httpAdminMiddleware: () => undefined }],
    ['node endpoints under another root', { httpNodeRoot: '/nodes/' }],
    ['the deprecated httpAdminAuth', { httpAdminAuth: { user: 'a', pass: 'b' } }],
    ['an auth function', { httpNodeAuth: () => undefined }],
  ])('stays off with %s', async (_why, settings) => {
    const app = await start({ store: working(offers), fast: true, settings });
    running.push(app);
    expect(app.installed).toBe(false);
    expect((await call(app.url, `${NBO}?channel=web`)).status).toBe(200);
    expect(app.reachedNodeApp).toHaveLength(1);
  });

  it("is on with settings.js's API user check, which accepts what Node-RED's basic auth accepts", async () => {
    const apiUser = Object.assign(() => undefined, { hubBasicAuth: true });
    const app = await start({ store: working(offers), fast: true, settings: { httpNodeAuth: apiUser } });
    running.push(app);
    expect(app.installed).toBe(true);
  });

  it('stays off when express would write the JSON otherwise', () => {
    const installs = (setting?: [string, unknown]) => {
      const root = express();
      const node = express();
      root.disable('x-powered-by');
      node.disable('x-powered-by');
      root.use('/', node);
      if (setting) node.set(...setting);
      const red = {
        httpNode: node,
        httpAdmin: undefined,
        settings: { httpNodeRoot: '/', httpAdminRoot: false },
        log: { debug: () => undefined },
      } as unknown as RED;
      const before = stackOf(root).length;
      mountNextBestOfferFastPath(red, { store: () => undefined });
      return stackOf(root).length > before;
    };
    expect(installs()).toBe(true);
    expect(installs(['etag', 'strong'])).toBe(false);
    expect(installs(['json spaces', 2])).toBe(false);
    expect(installs(['json replacer', (_k: string, v: unknown) => v])).toBe(false);
    expect(installs(['x-powered-by', true])).toBe(false);
  });
});
