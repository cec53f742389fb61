import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { ResilientRestClient, RestCallError, type RestClientOptions } from '../../connectors/http';

/**
 * The REST client against a real HTTPS server whose certificate a private CA signed (made with openssl
 * for the run): the CA from the rest-client's credentials is trusted, a server it cannot verify is a
 * `tls` error that is not retried and does not open the circuit, and a client certificate is presented
 * for mutual TLS.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-hub-rest-tls-'));
const file = (name: string) => path.join(dir, name);
const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore', cwd: dir });

function issue(name: string, subject: string, extensions?: string): void {
  openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
    '-subj',
    subject,
  );
  const ext = extensions ? ['-extfile', `${name}.ext`] : [];
  if (extensions) fs.writeFileSync(file(`${name}.ext`), extensions);
  openssl(
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    `${name}.pem`,
    '-days',
    '2',
    ...ext,
  );
}

const pem = (name: string) => fs.readFileSync(file(name), 'utf8');

let server: https.Server;
let baseUrl: string;
const clients: ResilientRestClient[] = [];
const seen: { authorized: boolean; peer?: string }[] = [];

beforeAll(async () => {
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=crm-hub-test-ca',
  );
  issue('server', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1\n');
  issue('client', '/CN=crm-hub');
  server = https.createServer(
    {
      key: pem('server.key'),
      cert: pem('server.pem'),
      ca: pem('ca.pem'),
      requestCert: true,
      rejectUnauthorized: false,
    },
    (req, res) => {
      const socket = req.socket as TLSSocket;
      const cn = socket.getPeerCertificate()?.subject?.CN;
      seen.push({ authorized: socket.authorized, peer: Array.isArray(cn) ? cn[0] : cn });
      req.resume();
      req.on('end', () => {
        res.writeHead(202, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ queued: true }));
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
});

afterEach(() => {
  for (const c of clients.splice(0)) c.close();
  seen.length = 0;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  fs.rmSync(dir, { recursive: true, force: true });
});

function client(tls: RestClientOptions['tls']): ResilientRestClient {
  const c = new ResilientRestClient(
    {
      baseUrl,
      tls,
      breaker: { failureThreshold: 1, resetTimeoutMs: 60000 },
      policy: { timeoutMs: 5000, retry: { retries: 2, baseDelayMs: 1, maxDelayMs: 1, jitter: 0 } },
    },
    { sleep: async () => undefined },
  );
  clients.push(c);
  return c;
}

describe('REST client over TLS', () => {
  it('trusts the private CA from the credentials', async () => {
    const res = await client({ ca: pem('ca.pem') }).request({
      method: 'POST',
      path: 'sms',
      body: { to: 'x' },
    });
    expect(res).toMatchObject({ statusCode: 202, body: { queued: true }, attempts: 1 });
    expect(seen).toEqual([{ authorized: false, peer: undefined }]);
  });

  it('refuses a server it cannot verify: a tls error, not retried, and the circuit stays closed', async () => {
    const c = client({});
    const err = (await c.request({ method: 'POST', path: 'sms', body: {} }).catch((e) => e)) as RestCallError;
    expect(err).toBeInstanceOf(RestCallError);
    expect(err).toMatchObject({ kind: 'tls', code: 'tls', transient: false, attempts: 1 });
    expect(c.breaker.state).toBe('closed');
    expect(seen).toHaveLength(0);
  });

  it('connects without verifying when asked to', async () => {
    const res = await client({ rejectUnauthorized: false }).request({ method: 'GET', path: 'status' });
    expect(res.statusCode).toBe(202);
  });

  it('presents a client certificate for mutual TLS', async () => {
    await client({ ca: pem('ca.pem'), cert: pem('client.pem'), key: pem('client.key') }).request({
      method: 'POST',
      path: 'sms',
      body: {},
    });
    expect(seen).toEqual([{ authorized: true, peer: 'crm-hub' }]);
  });
});
