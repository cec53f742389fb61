import http from 'node:http';
import path from 'node:path';
import { soapRoute } from '../../../../app/api/soap-fast-path';
import { SoapServer } from '../../../../connectors/soap/soap-server';
import type { SoapCall, SoapReply } from '../../../../connectors/soap/types';
import { loadWsdlFileSync } from '../../../../connectors/soap/wsdl';
import { mountHubFastPaths } from '../../../../nodes/shared/fast-path-mount';
import { nodeRedShape, type Answer } from './node-red-shape';

/**
 * The fast path of /soap must answer exactly what the long way through Node-RED's express apps answers,
 * or pass the request on. Two servers of Node-RED's shape (a server app; the editor's app at / with its
 * CORS header and settings.js's httpAdminMiddleware; optionally basic auth; the node app with the /soap
 * route as the glue mounts it) share one SOAP endpoint and get the same requests, one with the fast
 * paths mounted by the glue: status, raw headers but Date, in order, and body must be equal, and the
 * node app counts what the fast path passed on. Faults, the size limit, a wrong charset, the WSDL, other
 * methods and the credentials are among the requests.
 */

const CRM_WSDL = path.join(__dirname, '../../../../connectors/soap/wsdl/crm.wsdl');
const S11 = 'http://schemas.xmlsoap.org/soap/envelope/';
const S12 = 'http://www.w3.org/2003/05/soap-envelope';
const MAX_BYTES = 2048;

/** Deterministic answers, so both servers' bodies can be compared byte for byte. */
async function handler(call: SoapCall): Promise<SoapReply> {
  const customer = String(call.body.customerNumber);
  if (customer === '9999999999') throw new Error('database is down');
  if (customer === '8888888888') return { ok: true, body: { accepted: 'maybe', eventId: 'e', message: 'm' } };
  if (customer === '7777777777') {
    return {
      ok: false,
      fault: {
        code: 'client',
        message: 'customer 7777777777 is locked',
        detail: { field: 'customerNumber' },
      },
    };
  }
  return {
    ok: true,
    body: { accepted: true, eventId: `e-${customer}`, message: `address of ${customer} recorded` },
  };
}

function endpoint(): SoapServer {
  const soap = new SoapServer({ mountPath: '/soap', onError: () => undefined });
  soap.addService('crm', loadWsdlFileSync(CRM_WSDL), handler, { maxBytes: MAX_BYTES });
  return soap;
}

interface Options {
  soap: SoapServer;
  /** the Authorization header Node-RED's basic auth accepts; none: no httpNodeAuth */
  auth?: string;
  fast: boolean;
  settings?: Record<string, unknown>;
}

interface Running {
  url: string;
  /** requests that reached the node app: the ones the fast path passed on, or all without it */
  reachedNodeApp: string[];
  installed: boolean;
  close(): Promise<void>;
}

/** A server of Node-RED's shape (node-red-shape.ts) with the /soap route, and the fast paths if asked. */
async function start(options: Options): Promise<Running> {
  const shape = nodeRedShape({
    ...(options.auth ? { auth: options.auth } : {}),
    ...(options.settings ? { settings: options.settings } : {}),
    editorBodies: true,
    note: (req) => `${req.method} ${req.url}`,
  });
  const accepted = options.fast ? mountHubFastPaths(shape.red, { soap: options.soap }) : undefined;
  shape.node.use('/soap', soapRoute(options.soap, accepted));
  return { ...(await shape.listen()), reachedNodeApp: shape.reachedNodeApp };
}

interface Ask {
  target: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** send the body chunked, without Content-Length */
  chunked?: boolean;
}

/** One request on a connection of its own; the answer with its raw headers in order, Date left out. */
function call(url: string, ask: Ask): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    // one Host for both servers, which listen on ports of their own: the WSDL names it
    const headers: Record<string, string> = { Host: 'hub.test', ...ask.headers };
    if (ask.body !== undefined && !ask.chunked)
      headers['Content-Length'] = String(Buffer.byteLength(ask.body));
    const req = http.request(
      `${url}${ask.target}`,
      { method: ask.method ?? 'POST', headers, agent: false },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          const raw = res.rawHeaders;
          const kept: string[] = [];
          for (let i = 0; i < raw.length; i += 2)
            if (raw[i] !== 'Date') kept.push(`${raw[i]}: ${raw[i + 1]}`);
          resolve({ status: res.statusCode ?? 0, headers: kept, body });
        });
      },
    );
    // the server may answer (413) and close before it has read all of a large body
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE' && err.code !== 'ECONNRESET') reject(err);
    });
    if (ask.body !== undefined) req.write(ask.body);
    req.end();
  });
}

const SOAP11 = { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: '"ReportAddressChange"' };
const SOAP12 = { 'Content-Type': 'application/soap+xml; charset=utf-8; action="ReportAddressChange"' };

function report(fields: Record<string, string>, ns = S11): string {
  const children = Object.entries(fields)
    .map(([k, v]) => `<c:${k}>${v}</c:${k}>`)
    .join('');
  return (
    `<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="${ns}" xmlns:c="urn:crm-hub:crm">` +
    `<s:Body><c:ReportAddressChange>${children}</c:ReportAddressChange></s:Body></s:Envelope>`
  );
}

const address = (customerNumber: string) => ({
  customerNumber,
  street: 'Hauptstraße 1 &amp; 2',
  postalCode: '10115',
  city: 'Berlin',
  country: 'DE',
  channel: 'call-center',
});

/** Requests the fast path answers itself: answers, faults, the limit, the WSDL. */
const TAKEN: [string, Ask][] = [
  ['an accepted call', { target: '/soap/crm', headers: SOAP11, body: report(address('0004711')) }],
  ['SOAP 1.2', { target: '/soap/crm', headers: SOAP12, body: report(address('0004712'), S12) }],
  ['a fault the flow sends', { target: '/soap/crm', headers: SOAP11, body: report(address('7777777777')) }],
  ['a failing handler', { target: '/soap/crm', headers: SOAP11, body: report(address('9999999999')) }],
  ['an invalid reply', { target: '/soap/crm', headers: SOAP11, body: report(address('8888888888')) }],
  ['an invalid request', { target: '/soap/crm', headers: SOAP11, body: report({ customerNumber: 'x' }) }],
  ['XML that is not well formed', { target: '/soap/crm', headers: SOAP11, body: '<s:Envelope' }],
  ['a DTD', { target: '/soap/crm', headers: SOAP11, body: '<!DOCTYPE x [<!ENTITY a "b">]><x/>' }],
  [
    'a charset other than UTF-8',
    {
      target: '/soap/crm',
      headers: { ...SOAP11, 'Content-Type': 'text/xml; charset=iso-8859-1' },
      body: report(address('0004711')),
    },
  ],
  [
    'JSON instead of XML',
    { target: '/soap/crm', headers: { 'Content-Type': 'application/json' }, body: '{"customerNumber":"1"}' },
  ],
  [
    "an HTML form's type",
    {
      target: '/soap/crm',
      headers: { 'Content-Type': 'text/plain', SOAPAction: '"ReportAddressChange"' },
      body: report(address('0004711')),
    },
  ],
  ['no content type', { target: '/soap/crm', body: report(address('0004711')) }],
  [
    'a body over the limit (Content-Length)',
    {
      target: '/soap/crm',
      headers: SOAP11,
      body: report({ ...address('1'), street: 'x'.repeat(MAX_BYTES) }),
    },
  ],
  [
    'a body over the limit (chunked)',
    {
      target: '/soap/crm',
      headers: SOAP11,
      body: report({ ...address('1'), street: 'x'.repeat(MAX_BYTES) }),
      chunked: true,
    },
  ],
  ['an empty body', { target: '/soap/crm', headers: SOAP11, body: '' }],
  ['a service that is not there', { target: '/soap/nope', headers: SOAP11, body: report(address('1')) }],
  ['the mount itself', { target: '/soap/', headers: SOAP11, body: report(address('1')) }],
  ['the mount twice', { target: '/soap/soap/crm', headers: SOAP11, body: report(address('0004711')) }],
  ['a query', { target: '/soap/crm?x=1', headers: SOAP11, body: report(address('0004711')) }],
  ['the WSDL', { target: '/soap/crm?wsdl', method: 'GET', headers: { Host: 'hub.example:8080' } }],
  ['the WSDL, WSDL spelt upper case', { target: '/soap/crm?WSDL', method: 'GET' }],
  [
    'the WSDL for a Host that is no host',
    { target: '/soap/crm?wsdl', method: 'GET', headers: { Host: 'a b' } },
  ],
  ['an imported document that is not there', { target: '/soap/crm?xsd=nope.xsd', method: 'GET' }],
  ['GET without ?wsdl', { target: '/soap/crm', method: 'GET' }],
];

/** Requests the fast path leaves to the long way, which must answer them as before. */
const PASSED: [string, Ask][] = [
  ['PUT', { target: '/soap/crm', method: 'PUT', headers: SOAP11, body: report(address('1')) }],
  ['DELETE', { target: '/soap/crm', method: 'DELETE' }],
  ['HEAD of the WSDL', { target: '/soap/crm?wsdl', method: 'HEAD' }],
  [
    'another spelling of the mount',
    { target: '/SOAP/crm', headers: SOAP11, body: report(address('0004711')) },
  ],
  ['the mount without a slash', { target: '/soap?wsdl', method: 'GET' }],
];

describe('SOAP fast path', () => {
  const running: Running[] = [];
  const pair = async (options: Omit<Options, 'fast' | 'soap'> = {}) => {
    const soap = endpoint();
    const slow = await start({ ...options, soap, fast: false });
    const fast = await start({ ...options, soap, fast: true });
    running.push(slow, fast);
    expect(fast.installed).toBe(true);
    return { slow, fast };
  };
  afterEach(async () => {
    await Promise.all(running.splice(0).map((r) => r.close()));
  });

  it(`answers ${TAKEN.length} kinds of request itself with the long way's bytes`, async () => {
    const { slow, fast } = await pair();
    const statuses = new Set<number>();
    for (const [what, ask] of TAKEN) {
      const expected = await call(slow.url, ask);
      statuses.add(expected.status);
      expect([what, await call(fast.url, ask)]).toEqual([what, expected]);
    }
    expect(fast.reachedNodeApp).toEqual([]);
    expect([...statuses].sort()).toEqual([200, 404, 405, 413, 415, 500]);
    // no CORS header: the editor's never reaches the hub's endpoints (app/api/cross-origin.ts)
    const answer = await call(fast.url, TAKEN[0][1]);
    expect(answer.headers.slice(0, 2)).toEqual([
      'Content-Type: text/xml; charset=utf-8',
      `Content-Length: ${Buffer.byteLength(answer.body)}`,
    ]);
    expect(answer.body).toContain('address of 0004711 recorded');
    const tooLarge = await call(fast.url, TAKEN.find(([what]) => what.includes('(chunked)'))![1]);
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.headers).toContain('Connection: close');
    const wsdl = await call(fast.url, TAKEN.find(([what]) => what === 'the WSDL')![1]);
    expect(wsdl.body).toContain('location="http://hub.example:8080/soap/crm"');
  });

  it('passes other methods and spellings on, which the long way answers as before', async () => {
    const { slow, fast } = await pair();
    for (const [what, ask] of PASSED) {
      const expected = await call(slow.url, ask);
      expect([what, await call(fast.url, ask)]).toEqual([what, expected]);
    }
    expect(fast.reachedNodeApp).toHaveLength(PASSED.length);
    // the editor's CORS preflight never reaches the node app, either way
    const preflight: Ask = { target: '/soap/crm', method: 'OPTIONS' };
    expect(await call(fast.url, preflight)).toEqual(await call(slow.url, preflight));
    expect(fast.reachedNodeApp).toHaveLength(PASSED.length);
  });

  it('with API credentials, takes only a header Node-RED’s auth has let through', async () => {
    const good = `Basic ${Buffer.from('api:secret').toString('base64')}`;
    const bad = `Basic ${Buffer.from('api:wrong').toString('base64')}`;
    const { slow, fast } = await pair({ auth: good });
    const ask = (authorization?: string): Ask => ({
      target: '/soap/crm',
      headers: { ...SOAP11, ...(authorization ? { Authorization: authorization } : {}) },
      body: report(address('0004711')),
    });
    const refused = await call(slow.url, ask(bad));
    expect(refused.status).toBe(401);
    expect(await call(fast.url, ask())).toEqual(refused);
    expect(await call(fast.url, ask(bad))).toEqual(refused);
    // an OPTIONS request passes Node-RED's auth unchecked: it must not vouch for its header
    await call(fast.url, { target: '/soap/crm', method: 'OPTIONS', headers: { Authorization: bad } });
    expect(await call(fast.url, ask(bad))).toEqual(refused);
    expect(fast.reachedNodeApp).toEqual([]); // refused in front of the node app
    const expected = await call(slow.url, ask(good));
    expect(expected.status).toBe(200);
    // the first time through Node-RED's auth, then the fast path
    expect(await call(fast.url, ask(good))).toEqual(expected);
    expect(fast.reachedNodeApp).toEqual(['POST /soap/crm']);
    expect(await call(fast.url, ask(good))).toEqual(expected);
    const wsdl: Ask = { target: '/soap/crm?wsdl', method: 'GET', headers: { Authorization: good } };
    expect(await call(fast.url, wsdl)).toEqual(await call(slow.url, wsdl));
    expect(fast.reachedNodeApp).toEqual(['POST /soap/crm']);
    expect(await call(fast.url, ask(bad))).toEqual(refused);
    expect(await call(fast.url, ask())).toEqual(refused);
  });

  it.each([
    ['an httpAdminMiddleware of its own', { httpAdminMiddleware: () => undefined }],
    ['node endpoints under another root', { httpNodeRoot: '/nodes/' }],
    ['the deprecated httpAdminAuth', { httpAdminAuth: { user: 'a', pass: 'b' } }],
    ['an auth function', { httpNodeAuth: () => undefined }],
  ])('stays off with %s', async (_why, settings) => {
    const app = await start({ soap: endpoint(), fast: true, settings });
    running.push(app);
    expect(app.installed).toBe(false);
    const answer = await call(app.url, TAKEN[0][1]);
    expect(answer.status).toBe(200);
    expect(app.reachedNodeApp).toEqual(['POST /soap/crm']);
  });
});
