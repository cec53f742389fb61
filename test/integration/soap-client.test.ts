import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DOMParser } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import {
  ResilientSoapClient,
  SoapCallError,
  SoapClientPool,
  type ResilienceOptions,
  type SoapClientOptions,
} from '../../connectors/soap/client';
import { messageIdFor } from '../../connectors/soap/idempotency';
import { SharedSoapClient, type SoapClientState } from '../../connectors/soap/shared-client';
import { CircuitOpenError } from '../../connectors/resilience';
import { ACTIVITY_WSDL, useCrmActivityServer } from '../fixtures/soap-outbound/crm-activity-server';
import { FakeClock } from '../fixtures/soap-outbound/fake-clock';

const activity = { customerRef: 'crm:4711', subject: 'Call about mortgage', dueDate: '2026-07-01' };

function resilience(overrides: Partial<ResilienceOptions> = {}): ResilienceOptions {
  return {
    retry: { retries: 3, baseDelayMs: 5, maxDelayMs: 20 },
    breaker: { failureThreshold: 5, resetTimeoutMs: 30_000 },
    timeoutMs: 5000,
    ...overrides,
  };
}

/** The SoapCallError a call must fail with. */
async function failure(call: Promise<unknown>): Promise<SoapCallError> {
  try {
    await call;
  } catch (err) {
    expect(err).toBeInstanceOf(SoapCallError);
    return err as SoapCallError;
  }
  throw new Error('expected the call to fail');
}

const server = useCrmActivityServer();
let pool: SoapClientPool;
const clients: ResilientSoapClient[] = [];

function resilient(options: Partial<SoapClientOptions> = {}, res: Partial<ResilienceOptions> = {}) {
  const c = new ResilientSoapClient(
    pool,
    { wsdl: ACTIVITY_WSDL, endpoint: server().url, ...options },
    resilience(res),
  );
  clients.push(c);
  return c;
}

beforeEach(() => {
  pool = new SoapClientPool();
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
});

describe('SOAP client against a local CRM activity service', () => {
  it('(a) succeeds after a dropped connection and a 503, on the third attempt', async () => {
    server().script = [{ kind: 'drop' }, { kind: 'status', status: 503 }];
    const outcome = await resilient().call('CreateActivity', activity, { idempotencyKey: 'evt-a' });
    expect(outcome.attempts).toBe(3);
    expect(outcome.result).toEqual({ activityId: 'ACT-1' });
    expect(server().posts).toBe(3);
    expect(server().serviceCalls).toBe(1);
    // every attempt carried the same key
    const ids = server().rawRequests.map((x) => /<wsa:MessageID[^>]*>([^<]+)</.exec(x)?.[1]);
    expect(ids).toEqual([messageIdFor('evt-a'), messageIdFor('evt-a'), messageIdFor('evt-a')]);
  });

  it('(b) does not retry a client fault and reports it with its code, string and detail', async () => {
    const err = await resilient()
      .call('CreateActivity', { ...activity, customerRef: '4711' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SoapCallError);
    const e = err as SoapCallError;
    expect(e.kind).toBe('fault');
    expect(e.transient).toBe(false);
    expect(e.attempts).toBe(1);
    expect(e.fault).toMatchObject({ side: 'client', code: 'soap:Client', detail: { field: 'customerRef' } });
    expect(e.fault?.string).toContain('customerRef "4711"');
    expect(server().posts).toBe(1);
  });

  it('does not retry a server fault unless retryServerFaults is set', async () => {
    const once = await failure(resilient().call('CreateActivity', { ...activity, subject: 'server-fault' }));
    expect(once.fault?.side).toBe('server');
    expect(once.attempts).toBe(1);
    const retried = await failure(
      resilient({}, { retryServerFaults: true }).call('CreateActivity', {
        ...activity,
        subject: 'server-fault',
      }),
    );
    expect(retried.attempts).toBe(4);
    expect(server().posts).toBe(5);
  });

  it('(c) opens the circuit after N failures, rejects without touching the server, half-opens and closes', async () => {
    const clock = new FakeClock();
    const c = resilient(
      {},
      {
        retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1 },
        breaker: { failureThreshold: 3, resetTimeoutMs: 60_000, clock },
      },
    );
    const states: string[] = [];
    c.breaker.on('state', (s) => states.push(s));
    server().script = [1, 2, 3].map(() => ({ kind: 'status', status: 503 }) as const);
    for (let i = 0; i < 3; i++) {
      await expect(c.call('CreateActivity', activity)).rejects.toMatchObject({
        kind: 'http',
        details: { statusCode: 503 },
      });
    }
    expect(c.breaker.state).toBe('open');

    const fast = await c.call('CreateActivity', activity).catch((e: unknown) => e);
    expect(fast).toBeInstanceOf(CircuitOpenError);
    expect(server().posts).toBe(3);

    clock.advance(60_000);
    expect(c.breaker.state).toBe('half-open');
    const outcome = await c.call('CreateActivity', activity);
    expect(outcome.result).toEqual({ activityId: 'ACT-1' });
    expect(c.breaker.state).toBe('closed');
    expect(states).toEqual(['open', 'half-open', 'closed']);
  });

  it('(d) creates no duplicate activity when the answer comes after the timeout and the call is retried', async () => {
    server().script = [{ kind: 'late', delayMs: 1500 }];
    const c = resilient({}, { timeoutMs: 300 });
    const outcome = await c.call('CreateActivity', activity, { idempotencyKey: 'evt-d-1' });
    expect(outcome.attempts).toBe(2);
    // the server ran the first attempt, and the retry got the same activity back
    expect(server().serviceCalls).toBe(2);
    expect(server().activities).toHaveLength(1);
    expect(outcome.result).toEqual({ activityId: server().activities[0].activityId });
    expect(server().activities[0].key).toBe(messageIdFor('evt-d-1'));

    // a different message is a different activity
    await c.call('CreateActivity', activity, { idempotencyKey: 'evt-d-2' });
    expect(server().activities).toHaveLength(2);
  });

  it('(e) sends a UsernameToken with a password digest the server can verify', async () => {
    const c = resilient({ security: { type: 'username-digest', username: 'hub', password: 's3cret' } });
    await c.call('CreateActivity', activity);
    const xml = server().rawRequests[0];
    const pick = (tag: string) => new RegExp(`<wsse:${tag}[^>]*>([^<]+)</wsse:${tag}>`).exec(xml)?.[1];
    expect(pick('Username')).toBe('hub');
    expect(xml).toMatch(/<wsse:Password Type="[^"]*#PasswordDigest"/);
    const nonce = pick('Nonce')!;
    const created = /<wsu:Created>([^<]+)<\/wsu:Created>/.exec(xml.slice(xml.indexOf('UsernameToken')))?.[1];
    const expected = createHash('sha1')
      .update(
        Buffer.concat([
          Buffer.from(nonce, 'base64'),
          Buffer.from(created!, 'utf8'),
          Buffer.from('s3cret', 'utf8'),
        ]),
      )
      .digest('base64');
    expect(pick('Password')).toBe(expected);
    expect(xml).not.toContain('s3cret');
  });

  it('(e) sends a UsernameToken with a plain-text password when asked', async () => {
    await resilient({ security: { type: 'username-text', username: 'hub', password: 'plain' } }).call(
      'CreateActivity',
      activity,
    );
    expect(server().rawRequests[0]).toMatch(
      /<wsse:Password Type="[^"]*#PasswordText">plain<\/wsse:Password>/,
    );
  });

  it('(e) signs the body, timestamp and MessageID with an X.509 certificate; the signature verifies', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-hub-x509-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        path.join(dir, 'key.pem'),
        '-out',
        path.join(dir, 'cert.pem'),
        '-days',
        '2',
        '-subj',
        '/CN=crm-hub-test',
      ],
      { stdio: 'ignore' },
    );
    const privateKeyPem = fs.readFileSync(path.join(dir, 'key.pem'), 'utf8');
    const certificatePem = fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8');
    await resilient({ security: { type: 'x509', privateKeyPem, certificatePem } }).call(
      'CreateActivity',
      activity,
      {
        idempotencyKey: 'evt-e',
      },
    );
    const xml = server().rawRequests[0];
    expect(xml).toContain('<wsse:BinarySecurityToken');
    const doc = new DOMParser().parseFromString(xml, 'text/xml');
    const token = doc.getElementsByTagNameNS(
      'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd',
      'BinarySecurityToken',
    )[0];
    const certBody = certificatePem.replace(/-----[^-]+-----|\s/g, '');
    expect(token.textContent).toBe(certBody);
    const signature = doc.getElementsByTagNameNS('http://www.w3.org/2000/09/xmldsig#', 'Signature')[0];
    expect(signature).toBeDefined();

    const verifier = new SignedXml({ publicCert: certificatePem });
    verifier.loadSignature(signature.toString());
    expect(verifier.checkSignature(xml)).toBe(true);
    // Body, Timestamp and wsa:MessageID are signed: their ids are the references
    const ids = verifier.getReferences().map((r) => (r.uri ?? '').replace(/^#/, ''));
    const all = Array.from(doc.getElementsByTagName('*'));
    const signed = ids.map(
      (id) =>
        all.find((el) => Array.from(el.attributes).some((a) => a.localName === 'Id' && a.value === id))
          ?.localName,
    );
    expect(signed.sort()).toEqual(['Body', 'MessageID', 'Timestamp']);

    // tampering with the signed MessageID breaks the signature
    const tampered = xml.replace(messageIdFor('evt-e'), messageIdFor('evt-other'));
    const again = new SignedXml({ publicCert: certificatePem });
    again.loadSignature(signature.toString());
    let tamperedValid: boolean;
    try {
      tamperedValid = again.checkSignature(tampered);
    } catch {
      tamperedValid = false;
    }
    expect(tampered).not.toBe(xml);
    expect(tamperedValid).toBe(false);
  });

  it('(f) loads the WSDL once for 20 concurrent first calls', async () => {
    const options: SoapClientOptions = { wsdl: server().wsdlUrl, endpoint: server().url };
    const results = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const client = await pool.acquire(options);
        return client.call('CreateActivity', { ...activity, subject: `task ${i}` }, { timeoutMs: 5000 });
      }),
    );
    expect(results).toHaveLength(20);
    expect(new Set(results.map((r) => (r as { activityId: string }).activityId)).size).toBe(20);
    expect(server().wsdlGets).toBe(1);
    expect(pool.size).toBe(1);
  });

  it('loads a protected WSDL with Basic auth and says clearly when it cannot', async () => {
    server().wsdlAuthorization = `Basic ${Buffer.from('wsdl-user:wsdl-pass').toString('base64')}`;
    const denied = await failure(pool.acquire({ wsdl: server().wsdlUrl }));
    expect(denied.kind).toBe('wsdl');
    expect(denied.message).toContain(`cannot load WSDL ${server().wsdlUrl}`);
    expect(pool.size).toBe(0);

    const client = await pool.acquire({
      wsdl: server().wsdlUrl,
      endpoint: server().url,
      httpAuth: { type: 'basic', username: 'wsdl-user', password: 'wsdl-pass' },
    });
    expect(client.listOperations()).toEqual([
      { service: 'CrmActivityService', port: 'ActivityPort', operation: 'CreateActivity' },
    ]);
  });

  it('names the unknown operation and the known ones', async () => {
    const err = await failure(resilient().call('CreateTask', activity));
    expect(err.kind).toBe('operation');
    expect(err.message).toBe('operation "CreateTask" is not in the WSDL (it has: CreateActivity)');
    expect(server().posts).toBe(0);
    const describe = await failure(resilient().call('describe', activity));
    expect(describe.kind).toBe('operation');
  });

  it('treats a refused connection as transient and reports the attempts', async () => {
    const c = resilient(
      { endpoint: 'http://127.0.0.1:1/crm-activity' },
      { retry: { retries: 1, baseDelayMs: 1, maxDelayMs: 1 } },
    );
    const err = await failure(c.call('CreateActivity', activity));
    expect(err.kind).toBe('network');
    expect(err.transient).toBe(true);
    expect(err.attempts).toBe(2);
  });
});

describe('SharedSoapClient: one endpoint for all the nodes that use it', () => {
  const shared: SharedSoapClient[] = [];
  afterEach(() => {
    for (const c of shared.splice(0)) c.close();
  });

  function endpoint(res: Partial<ResilienceOptions> = {}) {
    const c = new SharedSoapClient(
      { wsdl: server().wsdlUrl, endpoint: server().url },
      { breaker: { failureThreshold: 5, resetTimeoutMs: 30_000 }, ...res },
      pool,
    );
    shared.push(c);
    return c;
  }

  it('loads the WSDL when the first user registers and releases it when the last one leaves', async () => {
    const c = endpoint();
    const states: SoapClientState[] = [];
    c.on('state', (s) => states.push(s));
    const ready = new Promise((resolve) => c.once('state', resolve));
    c.register('a');
    c.register('b');
    await ready;
    expect(states).toEqual(['closed']);
    expect(server().wsdlGets).toBe(1);
    expect(pool.size).toBe(1);

    c.deregister('a');
    expect(pool.size).toBe(1);
    await c.call('CreateActivity', activity);
    c.deregister('b');
    expect(pool.size).toBe(0);
    await expect(c.call('CreateActivity', activity)).rejects.toThrow('has no users');

    // a redeploy registers again and reads the WSDL again, so a changed WSDL is seen
    const again = new Promise((resolve) => c.once('state', resolve));
    c.register('a');
    await again;
    expect(server().wsdlGets).toBe(2);
  });

  it("uses each call's own redelivery policy, and the client's otherwise", async () => {
    const c = endpoint({ retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1 } });
    c.register('a');
    server().script = [{ kind: 'status', status: 503 }];
    const once = await failure(c.call('CreateActivity', activity));
    expect(once.attempts).toBe(1);
    server().script = [{ kind: 'status', status: 503 }];
    const outcome = await c.call('CreateActivity', activity, {
      retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 1 },
    });
    expect(outcome.attempts).toBe(2);
    const faulted = await failure(
      c.call(
        'CreateActivity',
        { ...activity, subject: 'server-fault' },
        {
          retryServerFaults: true,
          retry: { retries: 1, baseDelayMs: 1, maxDelayMs: 1 },
        },
      ),
    );
    expect(faulted.attempts).toBe(2);
  });
});
