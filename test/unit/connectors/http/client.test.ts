import { CircuitOpenError } from '../../../../connectors/resilience';
import {
  IDEMPOTENCY_HEADER,
  ResilientRestClient,
  RestCallError,
  SharedRestClient,
  restErrorKind,
  type RestClientOptions,
} from '../../../../connectors/http';
import { FakeClock } from '../../../fixtures/soap-outbound/fake-clock';
import { useGateway } from './gateway-server';

const gateway = useGateway();

/** The waits the client asked for between attempts; nothing sleeps. */
function recorder() {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
}

const clients: ResilientRestClient[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

function client(options: Partial<RestClientOptions> = {}, clock = new FakeClock()) {
  const rec = recorder();
  const c = new ResilientRestClient(
    {
      baseUrl: `${gateway().url}/v1/`,
      breaker: { failureThreshold: 5, resetTimeoutMs: 30000, clock },
      policy: {
        timeoutMs: 2000,
        retry: { retries: 3, baseDelayMs: 100, maxDelayMs: 1000, jitter: 0 },
        retryAfterMaxMs: 5000,
      },
      ...options,
    },
    { sleep: rec.sleep },
  );
  clients.push(c);
  return { c, waits: rec.waits, clock };
}

const sms = { to: '+491701234567', text: 'Ihr Angebot wartet' };

describe('ResilientRestClient', () => {
  it('posts msg.payload as JSON to the filled path and gives the parsed answer', async () => {
    const { c } = client({ headers: { 'X-Tenant': 'bank-1' } });
    const res = await c.request({
      method: 'POST',
      path: '/sms/{channel}/send',
      params: { channel: 'de/premium?x' },
      body: sms,
      headers: { 'X-Trace': 't-1', host: 'evil.example', 'Content-Length': '1' },
      idempotencyKey: 'dec-1',
    });
    expect(res).toMatchObject({
      statusCode: 200,
      body: { messageId: 'm-1' },
      attempts: 1,
      idempotencyKey: 'dec-1',
    });
    expect(res.headers['content-type']).toBe('application/json');
    const seen = gateway().seen[0];
    expect(seen.url).toBe('/v1/sms/de%2Fpremium%3Fx/send');
    expect(JSON.parse(seen.body)).toEqual(sms);
    expect(seen.headers).toMatchObject({
      'content-type': 'application/json',
      'idempotency-key': 'dec-1',
      'x-tenant': 'bank-1',
      'x-trace': 't-1',
    });
    expect(seen.headers.host).toBe(new URL(gateway().url).host);
  });

  it('retries 503 and 502 with backoff, sending the same Idempotency-Key every time', async () => {
    gateway().script = [{ status: 503 }, { status: 502 }];
    const { c, waits } = client();
    const res = await c.request({ method: 'POST', path: 'sms', body: sms, idempotencyKey: 'evt-7' });
    expect(res.attempts).toBe(3);
    expect(waits).toEqual([100, 200]);
    expect(gateway().seen.map((s) => s.headers['idempotency-key'])).toEqual(['evt-7', 'evt-7', 'evt-7']);
  });

  it('keeps one random key across the retries of a request that brings none', async () => {
    gateway().script = [{ status: 504 }];
    const { c } = client();
    const res = await c.request({ method: 'POST', path: 'sms', body: sms });
    const keys = gateway().seen.map((s) => s.headers[IDEMPOTENCY_HEADER.toLowerCase()]);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toBe(keys[1]);
    expect(res.idempotencyKey).toBe(keys[0]);
  });

  it('never retries another 4xx, nor a 500, and gives the kind, status and answer', async () => {
    for (const status of [400, 401, 404, 409, 422, 500]) {
      gateway().script = [{ status, body: { error: 'nope' } }];
      const { c } = client();
      const err = (await c
        .request({ method: 'POST', path: 'sms', body: sms })
        .catch((e) => e)) as RestCallError;
      expect(err).toBeInstanceOf(RestCallError);
      expect(err).toMatchObject({ kind: 'http', code: 'http', transient: false, attempts: 1 });
      expect(err.statusCode).toBe(status);
      expect(err.details.body).toEqual({ error: 'nope' });
    }
    expect(gateway().seen).toHaveLength(6);
  });

  it('honours Retry-After on 429 when it asks longer than the backoff', async () => {
    gateway().script = [{ status: 429, headers: { 'retry-after': '2' } }, { status: 429 }];
    const { c, waits } = client();
    const res = await c.request({ method: 'POST', path: 'sms', body: sms });
    expect(res.attempts).toBe(3);
    expect(waits).toEqual([2000, 200]);
  });

  it('reads Retry-After as an HTTP date too', async () => {
    const at = new Date(Date.now() + 3000).toUTCString();
    gateway().script = [{ status: 503, headers: { 'retry-after': at } }];
    const { c, waits } = client();
    await c.request({ method: 'POST', path: 'sms', body: sms });
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThan(1000);
    expect(waits[0]).toBeLessThanOrEqual(3000);
  });

  it('does not wait for a Retry-After beyond the cap: fails at once, saying so', async () => {
    gateway().script = [{ status: 429, headers: { 'retry-after': '3600' } }];
    const { c, waits } = client();
    const err = (await c
      .request({ method: 'POST', path: 'sms', body: sms })
      .catch((e) => e)) as RestCallError;
    expect(err).toMatchObject({ kind: 'http', transient: false, attempts: 1 });
    expect(err.message).toContain('Retry-After asks for 3600 s, more than the 5 s allowed');
    expect(waits).toEqual([]);
  });

  it('retries a network error and a timeout, then gives up with the kind', async () => {
    gateway().script = [{ reset: true }, { status: 200, body: { ok: true } }];
    const { c } = client();
    expect((await c.request({ method: 'POST', path: 'sms', body: sms })).attempts).toBe(2);

    gateway().script = [{ hang: true }, { hang: true }];
    const slow = client({
      policy: { timeoutMs: 150, retry: { retries: 1, baseDelayMs: 1, maxDelayMs: 1, jitter: 0 } },
    }).c;
    const err = (await slow
      .request({ method: 'POST', path: 'sms', body: sms })
      .catch((e) => e)) as RestCallError;
    expect(err).toMatchObject({ kind: 'timeout', code: 'timeout', transient: true, attempts: 2 });

    const refused = client({ baseUrl: 'http://127.0.0.1:1' }).c;
    const down = (await refused.request({ method: 'GET', path: 'x' }).catch((e) => e)) as RestCallError;
    expect(down).toMatchObject({ kind: 'network', attempts: 4 });
  });

  it('opens the circuit after N failed calls, rejects without calling, then lets one trial through', async () => {
    const clock = new FakeClock();
    const { c } = client(
      {
        breaker: { failureThreshold: 2, resetTimeoutMs: 1000, clock },
        policy: { retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1 } },
      },
      clock,
    );
    const states: string[] = [];
    c.breaker.on('state', (s) => states.push(s));
    gateway().script = [{ status: 503 }, { status: 503 }];
    for (let i = 0; i < 2; i++) await c.request({ method: 'POST', path: 'sms', body: sms }).catch(() => 0);
    expect(c.breaker.state).toBe('open');

    const fast = await c.request({ method: 'POST', path: 'sms', body: sms }).catch((e) => e);
    expect(fast).toBeInstanceOf(CircuitOpenError);
    expect(restErrorKind(fast)).toBe('circuit-open');
    expect(gateway().seen).toHaveLength(2);

    // half-open: one trial; a failure opens it again at once
    clock.advance(1000);
    expect(c.breaker.state).toBe('half-open');
    gateway().script = [{ status: 503 }];
    await c.request({ method: 'POST', path: 'sms', body: sms }).catch(() => 0);
    expect(c.breaker.state).toBe('open');
    clock.advance(1000);
    const ok = await c.request({ method: 'POST', path: 'sms', body: sms });
    expect(ok.statusCode).toBe(200);
    expect(c.breaker.state).toBe('closed');
    expect(states).toEqual(['open', 'half-open', 'open', 'half-open', 'closed']);
  });

  it('does not count a 4xx towards the circuit: the endpoint answered', async () => {
    const clock = new FakeClock();
    const { c } = client({ breaker: { failureThreshold: 1, resetTimeoutMs: 1000, clock } }, clock);
    gateway().script = [{ status: 400 }, { status: 422 }];
    await c.request({ method: 'POST', path: 'sms', body: sms }).catch(() => 0);
    await c.request({ method: 'POST', path: 'sms', body: sms }).catch(() => 0);
    expect(c.breaker.state).toBe('closed');
  });

  it('stops at the open circuit within the retries of one request', async () => {
    const clock = new FakeClock();
    const { c } = client({ breaker: { failureThreshold: 2, resetTimeoutMs: 1000, clock } }, clock);
    gateway().script = [{ status: 503 }, { status: 503 }, { status: 503 }];
    const err = await c.request({ method: 'POST', path: 'sms', body: sms }).catch((e) => e);
    expect(err).toBeInstanceOf(CircuitOpenError);
    expect(gateway().seen).toHaveLength(2);
  });

  it('sends basic, bearer and API key auth', async () => {
    const basic = client({ auth: { type: 'basic', username: 'hub', password: 'pw' } }).c;
    await basic.request({ method: 'GET', path: 'a' });
    const bearer = client({ auth: { type: 'bearer', token: 'tok-1' } }).c;
    await bearer.request({ method: 'GET', path: 'b', headers: { Authorization: 'Bearer stolen' } });
    const key = client({ auth: { type: 'api-key', header: 'X-Api-Key', value: 'k-1' } }).c;
    await key.request({ method: 'GET', path: 'c' });
    const [a, b, k] = gateway().seen;
    expect(a.headers.authorization).toBe(`Basic ${Buffer.from('hub:pw').toString('base64')}`);
    expect(b.headers.authorization).toBe('Bearer tok-1');
    expect(k.headers['x-api-key']).toBe('k-1');
    expect(a.method).toBe('GET');
    expect(a.body).toBe('');
  });

  it('limits the request and the response body', async () => {
    const { c } = client();
    const big = await c
      .request({ method: 'POST', path: 'sms', body: { text: 'x'.repeat(200) }, maxRequestBytes: 100 })
      .catch((e) => e);
    expect(big).toMatchObject({ kind: 'request', transient: false });
    expect(big.message).toContain('over the limit of 100 bytes');
    expect(gateway().seen).toHaveLength(0);

    gateway().script = [{ status: 200, body: { text: 'y'.repeat(5000) } }];
    const huge = await c.request({ method: 'GET', path: 'sms', maxResponseBytes: 1000 }).catch((e) => e);
    expect(huge).toMatchObject({ kind: 'response', transient: false, attempts: 1 });
  });

  it('gives text as a string, an empty answer as null, and calls JSON that does not parse a response error', async () => {
    const { c } = client();
    gateway().script = [
      { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'queued' },
      { status: 204 },
      { status: 200, headers: { 'content-type': 'application/json' }, body: '{broken' },
    ];
    expect((await c.request({ method: 'GET', path: 'a' })).body).toBe('queued');
    expect((await c.request({ method: 'DELETE', path: 'b' })).body).toBeNull();
    const bad = await c.request({ method: 'GET', path: 'c' }).catch((e) => e);
    expect(bad).toMatchObject({ kind: 'response', transient: false });
  });

  it('does not follow a redirect: the credentials would go along', async () => {
    gateway().script = [{ status: 302, headers: { location: 'http://elsewhere.example/' } }];
    const { c } = client({ auth: { type: 'bearer', token: 't' } });
    const err = await c.request({ method: 'POST', path: 'sms', body: sms }).catch((e) => e);
    expect(err).toMatchObject({ kind: 'http', transient: false, statusCode: 302 });
    expect(err.message).toContain('http://elsewhere.example/');
  });

  it('names a missing path parameter and sends nothing', async () => {
    const { c } = client();
    const err = await c.request({ method: 'POST', path: 'sms/{to}', params: {}, body: sms }).catch((e) => e);
    expect(err).toMatchObject({ kind: 'request', code: 'request' });
    expect(err.message).toContain('{to}');
    expect(gateway().seen).toHaveLength(0);
  });
});

describe('SharedRestClient', () => {
  it('shares one breaker among its users, opens on the first and closes on the last', async () => {
    const clock = new FakeClock();
    const shared = new SharedRestClient({
      baseUrl: gateway().url,
      breaker: { failureThreshold: 1, resetTimeoutMs: 1000, clock },
      policy: { retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1 } },
    });
    await expect(shared.request({ method: 'GET', path: 'x' })).rejects.toThrow('has no users');
    const states: string[] = [];
    shared.on('state', (s) => states.push(s));
    shared.register('a');
    shared.register('b');
    gateway().script = [{ status: 503 }];
    await shared.request({ method: 'GET', path: 'x' }).catch(() => 0);
    expect(shared.state).toBe('open');
    expect(states).toEqual(['open']);
    shared.deregister('a');
    expect(shared.state).toBe('open');
    shared.deregister('b');
    expect(shared.userCount).toBe(0);
    expect(shared.state).toBe('closed');
    shared.close();
  });

  it('refuses a base URL that is not absolute http(s) or carries a password', () => {
    const breaker = { failureThreshold: 1, resetTimeoutMs: 1 };
    expect(() => new SharedRestClient({ baseUrl: 'sms.example/api', breaker })).toThrow(
      'not an absolute URL',
    );
    expect(() => new SharedRestClient({ baseUrl: 'ftp://sms.example', breaker })).toThrow('http or https');
    expect(() => new SharedRestClient({ baseUrl: 'https://u:p@sms.example', breaker })).toThrow(
      'must not contain a user or password',
    );
  });
});
