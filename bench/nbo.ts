/**
 * `npm run bench -- nbo` (`-- nbo --check`: the check only, no timing): latency of the hub's
 * `GET /api/v1/customers/{id}/next-best-offer?channel=web&point=home&limit=3` on the real hub process
 * (RabbitMQ in a virtual host of its own, the embedded store) at 1,000 requests/s from autocannon,
 * against a bare node:http server answering the same JSON body at the same rate
 * (bench/_nbo-bare-server.ts, a process of its own as the hub is).
 *
 * Setup goes through the shipped flow: the call-center CRM reports an address change over SOAP
 * (/soap/crm), the `address-change-mortgage` policy stores the mortgage web offer, and the benchmark
 * waits until the next best offer shows it. The check: the hub answers 200 with that offer first, twice
 * the same bytes, and the anchor answers the identical body. Under load every body is compared too.
 *
 * Latency is taken from every response's own time (autocannon's `response` event, in fractional ms),
 * not from autocannon's histogram, which keeps whole milliseconds and, with a rate, adds made-up
 * samples (its coordinated-omission fill assumes 1 ms between requests); autocannon's p99 is printed
 * beside it. Note that autocannon's rate is per connection and per second: each connection sends its
 * 100 requests of a second back to back, then waits for the next second, so the load comes in bursts
 * of 10 concurrent requests, not evenly spaced.
 *
 * Each round also prints the CPU time per answered request of the server process (user + system, all
 * threads, from /proc/<pid>/stat; NaN without /proc) and of this process (the autocannon client), which
 * says where the time goes better than the latencies on a shared machine.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { createVhost, deleteVhost, freePort, hubNodeFlags, ROOT, startHub } from '../test/e2e/hub-process';
import { medianRound, percentile, result, startAnchorProcess, stopAll } from './_measure';
import { processCpuMicros } from './_process-cpu';

const RATE = 1000;
const CONNECTIONS = 10;
const ROUND_SECONDS = 10;
const WARMUP_SECONDS = 2;
const ROUNDS = 3;
const GOAL_P99_MS = 5;
const CUSTOMER_NUMBER = '4711';
const CUSTOMER_REF = `crm:${CUSTOMER_NUMBER}`;
const NBO_PATH = `/api/v1/customers/${encodeURIComponent(CUSTOMER_REF)}/next-best-offer?channel=web&point=home&limit=3`;
const ADDRESS_CHANGE = `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:crm="urn:crm-hub:crm">
 <soapenv:Body><crm:ReportAddressChange>
  <crm:customerNumber>${CUSTOMER_NUMBER}</crm:customerNumber><crm:street>Leopoldstraße 12</crm:street>
  <crm:postalCode>80802</crm:postalCode><crm:city>München</crm:city><crm:country>DE</crm:country>
  <crm:channel>call-center</crm:channel>
 </crm:ReportAddressChange></soapenv:Body></soapenv:Envelope>`;
const SETUP_TIMEOUT_MS = 60_000;

interface Round {
  p50: number;
  p99: number;
  max: number;
  rps: number;
  autocannonP99: number;
  /** the server process's CPU (user + system, all threads) per answered request, in µs */
  serverCpu: number;
  /** this process's CPU (the autocannon client) per answered request, in µs */
  clientCpu: number;
}

interface Answer {
  status: number;
  body: string;
}

async function get(url: string): Promise<Answer> {
  const res = await fetch(url);
  return { status: res.status, body: await res.text() };
}

async function load(url: string, pid: number | undefined, seconds: number, expected: string): Promise<Round> {
  const times: number[] = [];
  const serverBefore = processCpuMicros(pid);
  const clientBefore = process.cpuUsage();
  const res = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections: CONNECTIONS,
        overallRate: RATE,
        duration: seconds,
        verifyBody: (body) => String(body) === expected,
      },
      (err, done) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(done)),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode === 200) times.push(responseTime);
    });
  });
  if (res.non2xx > 0 || res.errors > 0 || res.timeouts > 0 || res.mismatches > 0) {
    throw new Error(
      `${url}: ${res.non2xx} non-2xx, ${res.errors} errors, ${res.timeouts} timeouts, ` +
        `${res.mismatches} bodies other than the checked one: the run is not valid`,
    );
  }
  const client = process.cpuUsage(clientBefore);
  return {
    p50: percentile(times, 50),
    p99: percentile(times, 99),
    max: Math.max(...times),
    rps: times.length / res.duration,
    autocannonP99: res.latency.p99,
    serverCpu: (processCpuMicros(pid) - serverBefore) / times.length,
    clientCpu: (client.user + client.system) / times.length,
  };
}

async function startAnchor(body: string): Promise<{ url: string; pid?: number; stop: () => void }> {
  const port = await freePort();
  // The anchor runs with the hub's Node flags, so only the code differs between the two sides.
  const script = path.join(ROOT, 'dist/bench/_nbo-bare-server.js');
  const child = await startAnchorProcess('bare http anchor', [...hubNodeFlags(), script, String(port)], body);
  return { url: `http://127.0.0.1:${port}${NBO_PATH}`, pid: child.pid, stop: () => child.kill('SIGKILL') };
}

interface NextBestOffer {
  offers?: { offer?: string; channel?: string }[];
  explanation?: unknown;
}

async function main(): Promise<void> {
  const checkOnly = process.argv.includes('--check');
  const vhost = `crm-hub-bench-${randomUUID().slice(0, 8)}`;
  const amqpUrl = createVhost(vhost);
  const stops: (() => unknown)[] = [() => deleteVhost(vhost)];
  try {
    const hub = await startHub({ AMQP_URL: amqpUrl, DATABASE_URL: '', CRM_HUB_LOG_LEVEL: 'warn' });
    stops.unshift(() => hub.stop());
    const hubUrl = `${hub.url}${NBO_PATH}`;

    const reported = await fetch(`${hub.url}/soap/crm`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: 'ReportAddressChange' },
      body: ADDRESS_CHANGE,
    });
    const reply = await reported.text();
    if (reported.status !== 200 || !/<[\w:]*accepted>true</.test(reply)) {
      throw new Error(`the hub did not accept the address change (${reported.status}): ${reply}`);
    }
    // the offer travels through the bus and the policy engine: wait until the hub answers with it
    const deadline = Date.now() + SETUP_TIMEOUT_MS;
    let first: Answer;
    for (;;) {
      first = await get(hubUrl);
      const parsed = first.status === 200 ? (JSON.parse(first.body) as NextBestOffer) : undefined;
      if (parsed?.offers?.[0]?.offer) break;
      if (Date.now() > deadline) {
        throw new Error(
          `no offer for ${CUSTOMER_REF} within ${SETUP_TIMEOUT_MS} ms: ${first.status} ${first.body}`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    const best = (JSON.parse(first.body) as NextBestOffer).offers?.[0];
    if (
      best?.offer !== 'mortgage' ||
      best.channel !== 'web' ||
      !first.body.includes('address-change-mortgage')
    ) {
      throw new Error(
        `the hub offers something else than the mortgage of address-change-mortgage: ${first.body}`,
      );
    }
    const again = await get(hubUrl);
    if (again.status !== 200 || again.body !== first.body) {
      throw new Error(`the hub answers the same request differently:\n${first.body}\n${again.body}`);
    }
    const anchor = await startAnchor(first.body);
    stops.unshift(() => anchor.stop());
    const bare = await get(anchor.url);
    if (bare.status !== 200 || bare.body !== first.body) {
      throw new Error(`the bare http anchor answers ${bare.status} ${bare.body}, not the hub's body`);
    }
    console.log(
      `check: the hub's next best offer for ${CUSTOMER_REF} on web/home is the mortgage of ` +
        `address-change-mortgage (status 200, ${first.body.length} bytes, the same twice)`,
    );
    console.log('check: the bare http anchor answers the identical body');
    if (checkOnly) return;

    console.log(
      `client: autocannon, ${CONNECTIONS} connections, overallRate ${RATE}/s, ${ROUNDS} rounds of ` +
        `${ROUND_SECONDS} s each (hub, bare, hub, bare, ...) after ${WARMUP_SECONDS} s warm-up each; ` +
        `load average before: ${os
          .loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')}`,
    );
    const servers = [
      { name: 'hub', url: hubUrl, pid: hub.process.pid },
      { name: 'bare http', url: anchor.url, pid: anchor.pid },
    ];
    for (const s of servers) await load(s.url, s.pid, WARMUP_SECONDS, first.body);
    const runs = servers.map(() => [] as Round[]);
    const fmt = (r: Round) =>
      `p50 ${r.p50.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms, max ${r.max.toFixed(1)} ms, ` +
      `${Math.round(r.rps)} req/s (autocannon p99 ${r.autocannonP99} ms), ` +
      `CPU per request: server ${Math.round(r.serverCpu)} µs, client ${Math.round(r.clientCpu)} µs`;
    for (let r = 0; r < ROUNDS; r++) {
      for (let i = 0; i < servers.length; i++) {
        const round = await load(servers[i].url, servers[i].pid, ROUND_SECONDS, first.body);
        runs[i].push(round);
        console.log(`round ${r + 1} ${servers[i].name}: ${fmt(round)}`);
      }
    }
    const [ours, bareHttp] = runs.map(medianRound);
    console.log(
      `load average after: ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    console.log(`hub next-best-offer (medians of ${ROUNDS} rounds): ${fmt(ours)}`);
    console.log(`bare node:http, same body (medians of ${ROUNDS} rounds): ${fmt(bareHttp)}`);
    console.log(
      `nbo: p99 ${ours.p99.toFixed(2)} ms at ${Math.round(ours.rps)} req/s (goal ≤ ${GOAL_P99_MS} ms)`,
    );
    console.log(result('nbo-p99-vs-bare-http', ours.p99, bareHttp.p99, 'ms-p99'));
  } finally {
    await stopAll(stops);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
