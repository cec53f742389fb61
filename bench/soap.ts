/**
 * `npm run bench -- soap`: requests/s and p99 of the hub's UpsertCustomer over the full path (parse,
 * WSDL validation, map, canonical validation, publish to RabbitMQ with confirm, answer) against a bare
 * node-soap server answering the same operation, under the same client load, alternating rounds.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import autocannon from 'autocannon';
import { createVhost, deleteVhost, freePort, ROOT, startHub } from '../test/e2e/hub-process';
import { median, result } from './_measure';

const CONNECTIONS = 16;
const ROUND_SECONDS = 5;
const ROUNDS = 3;

const body = `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:hub="urn:crm-hub:hub:v1">
  <soapenv:Body>
    <hub:UpsertCustomer>
      <hub:customer>
        <hub:sourceSystem>web</hub:sourceSystem>
        <hub:sourceId>u-4711</hub:sourceId>
        <hub:kind>person</hub:kind>
        <hub:givenName>Anna</hub:givenName>
        <hub:familyName>Schmidt</hub:familyName>
        <hub:tier>platinum</hub:tier>
        <hub:email>anna.schmidt@example.de</hub:email>
        <hub:street>Leopoldstraße</hub:street>
        <hub:houseNumber>12</hub:houseNumber>
        <hub:postalCode>80802</hub:postalCode>
        <hub:city>München</hub:city>
        <hub:country>DE</hub:country>
        <hub:consents><hub:channel>email</hub:channel><hub:purpose>marketing</hub:purpose><hub:status>granted</hub:status></hub:consents>
      </hub:customer>
    </hub:UpsertCustomer>
  </soapenv:Body>
</soapenv:Envelope>`;

async function load(url: string, seconds: number): Promise<{ rps: number; p99: number }> {
  const res = await autocannon({
    url,
    method: 'POST',
    connections: CONNECTIONS,
    duration: seconds,
    headers: { 'content-type': 'text/xml; charset=utf-8', SOAPAction: '"urn:crm-hub:hub:v1/UpsertCustomer"' },
    body,
  });
  if (res.non2xx > 0 || res.errors > 0 || res.timeouts > 0) {
    throw new Error(
      `${url}: ${res.non2xx} non-2xx, ${res.errors} errors, ${res.timeouts} timeouts: the run is not valid`,
    );
  }
  return { rps: res.requests.average, p99: res.latency.p99 };
}

async function startAnchor(): Promise<{ url: string; stop: () => void }> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      path.join(__dirname, '_node-soap-server.js'),
      String(port),
      path.join(ROOT, 'connectors/soap/wsdl/hub.wsdl'),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`node-soap anchor exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}/soap/hub`, stop: () => child.kill('SIGKILL') };
}

async function main(): Promise<void> {
  const vhost = `crm-hub-bench-${randomUUID().slice(0, 8)}`;
  const hub = await startHub({ AMQP_URL: createVhost(vhost), DATABASE_URL: '', CRM_HUB_LOG_LEVEL: 'warn' });
  const anchor = await startAnchor();
  const ours = `${hub.url}/soap/hub`;
  try {
    console.log(
      `client: autocannon, ${CONNECTIONS} connections, ${ROUNDS} alternating rounds of ${ROUND_SECONDS} s`,
    );
    await load(ours, 2);
    await load(anchor.url, 2);
    const a: { rps: number; p99: number }[] = [];
    const b: { rps: number; p99: number }[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      a.push(await load(ours, ROUND_SECONDS));
      b.push(await load(anchor.url, ROUND_SECONDS));
      console.log(
        `round ${r + 1}: hub ${Math.round(a[r].rps)} req/s (p99 ${a[r].p99} ms), node-soap ${Math.round(b[r].rps)} req/s (p99 ${b[r].p99} ms)`,
      );
    }
    const oursRps = median(a.map((x) => x.rps));
    const anchorRps = median(b.map((x) => x.rps));
    console.log(
      `hub UpsertCustomer (parse, validate, map, publish with confirm): ${Math.round(oursRps)} req/s, p99 ${median(a.map((x) => x.p99))} ms`,
    );
    console.log(
      `bare node-soap UpsertCustomer: ${Math.round(anchorRps)} req/s, p99 ${median(b.map((x) => x.p99))} ms`,
    );
    console.log(result('soap-vs-node-soap', oursRps, anchorRps, 'req/s'));
  } finally {
    anchor.stop();
    await hub.stop();
    deleteVhost(vhost);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
