/**
 * `npm run bench -- soap`: requests/s and p99 of the hub's UpsertCustomer over the full path (parse,
 * WSDL validation, map, canonical validation, publish to RabbitMQ with confirm, answer) against a bare
 * node-soap server answering the same operation, under the same client load, alternating rounds.
 * A third server, node-soap plus raw amqplib publishing with confirm (bench/_node-soap-server.ts),
 * shows what the broker round trip alone costs on this machine; it gets a RESULT line of its own.
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

async function startAnchor(amqpUrl?: string): Promise<{ url: string; stop: () => void }> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      path.join(__dirname, '_node-soap-server.js'),
      String(port),
      path.join(ROOT, 'connectors/soap/wsdl/hub.wsdl'),
      ...(amqpUrl ? [amqpUrl] : []),
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
  const anchorVhost = `crm-hub-bench-anchor-${randomUUID().slice(0, 8)}`;
  const hub = await startHub({ AMQP_URL: createVhost(vhost), DATABASE_URL: '', CRM_HUB_LOG_LEVEL: 'warn' });
  const anchor = await startAnchor();
  const withBroker = await startAnchor(createVhost(anchorVhost));
  const servers = [
    { name: 'hub', url: `${hub.url}/soap/hub` },
    { name: 'node-soap', url: anchor.url },
    { name: 'node-soap + amqplib confirm', url: withBroker.url },
  ];
  try {
    console.log(
      `client: autocannon, ${CONNECTIONS} connections, ${ROUNDS} alternating rounds of ${ROUND_SECONDS} s`,
    );
    for (const server of servers) await load(server.url, 2);
    const runs = servers.map(() => [] as { rps: number; p99: number }[]);
    for (let r = 0; r < ROUNDS; r++) {
      for (const [i, server] of servers.entries()) runs[i].push(await load(server.url, ROUND_SECONDS));
      console.log(
        `round ${r + 1}: ` +
          servers
            .map((s, i) => `${s.name} ${Math.round(runs[i][r].rps)} req/s (p99 ${runs[i][r].p99} ms)`)
            .join(', '),
      );
    }
    const [ours, bare, broker] = runs.map((x) => ({
      rps: median(x.map((y) => y.rps)),
      p99: median(x.map((y) => y.p99)),
    }));
    console.log(
      `hub UpsertCustomer (parse, validate, map, publish with confirm): ${Math.round(ours.rps)} req/s, p99 ${ours.p99} ms`,
    );
    console.log(`bare node-soap UpsertCustomer: ${Math.round(bare.rps)} req/s, p99 ${bare.p99} ms`);
    console.log(
      `node-soap + amqplib publish with confirm (no mapping, no validation, no store): ${Math.round(broker.rps)} req/s, p99 ${broker.p99} ms`,
    );
    console.log(result('soap-vs-node-soap-amqplib', ours.rps, broker.rps, 'req/s'));
    console.log(result('soap-vs-node-soap', ours.rps, bare.rps, 'req/s'));
  } finally {
    anchor.stop();
    withBroker.stop();
    await hub.stop();
    deleteVhost(vhost);
    deleteVhost(anchorVhost);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
