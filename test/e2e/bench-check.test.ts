/**
 * `npm run bench -- <name> --check`: the checks each benchmark runs before it times anything, as the
 * benchmark runs them (built dist/, the real hub, node-soap and RabbitMQ), without the timing. Both
 * must pass, or the benchmark would stop before its RESULT lines.
 */
import { execFile, execFileSync } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from './hub-process';

const run = promisify(execFile);

beforeAll(() => {
  execFileSync(process.execPath, [path.join(ROOT, 'bin', 'crm-hub.js'), 'build'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}, 300_000);

const check = (name: string) =>
  run(process.execPath, [path.join(ROOT, 'dist', 'bench', `${name}.js`), '--check'], { cwd: ROOT });

describe('benchmark checks', () => {
  it('mapping: every side maps every SAP fixture alike, from records and from bytes', async () => {
    const { stdout } = await check('mapping');
    expect(stdout).toMatch(/^check: \d+ DEBMAS records, identical outcomes with ours, JSONata and by hand/m);
    expect(stdout).toMatch(/^check: \d+ IDoc files from bytes, identical outcomes/m);
    expect(stdout).not.toMatch(/^RESULT/m);
  }, 60_000);

  it('soap: the hub, node-soap, node-soap + amqplib and the contract floor give the same reply, and the hub stores the customer', async () => {
    const { stdout } = await check('soap');
    expect(stdout).toContain(
      'check: all 4 servers answer the same request with {"status":200,"body":{"UpsertCustomerResponse":' +
        '{"customerRef":"web:u-4711","eventId":"<uuid>","accepted":"true"}}}',
    );
    expect(stdout).toContain("check: the hub's golden record holds web:u-4711 as sent (tier, e-mail)");
    expect(stdout).not.toMatch(/^RESULT/m);
  }, 180_000);

  it('nbo: the hub answers the mortgage as next best offer, and the bare http anchor the identical body', async () => {
    const { stdout } = await check('nbo');
    expect(stdout).toMatch(
      /^check: the hub's next best offer for crm:4711 on web\/home is the mortgage of address-change-mortgage \(status 200, \d+ bytes, the same twice\)$/m,
    );
    expect(stdout).toContain('check: the bare http anchor answers the identical body');
    expect(stdout).not.toMatch(/^(RESULT|client|round|nbo:)/m);
  }, 180_000);

  it('sync: each SAP record reaches Siebel and Salesforce exactly once through the hub, the raw amqplib anchor moves its messages, and so does the contract floor', async () => {
    const { stdout } = await check('sync');
    expect(stdout).toMatch(
      /^check: 300 SAP DEBMAS07 records \(\d+ bytes each\) on crm\.inbound, each applied exactly once with its version at siebel and salesforce$/m,
    );
    expect(stdout).toMatch(/^check: broker messages per record \d+\.\d\d \(1 on crm\.inbound, /m);
    expect(stdout).toMatch(/^check: raw amqplib moved \d+ messages of \d+ bytes through a quorum queue$/m);
    expect(stdout).toContain(
      'check: the contract floor delivered 300 records once each to both of its target queues, each with the street sent',
    );
    expect(stdout).not.toMatch(/^(RESULT|rounds|round|sync:|sync latency)/m);
  }, 300_000);

  it('policies: ours, ZEN, json-rules-engine and the hand-written index fire the same policies per event', async () => {
    const { stdout } = await check('policies');
    expect(stdout).toMatch(
      /^check: 5,000 events, identical sets of fired policies with ours \(decisions only, and with every card explained\), ZEN and the hand-written index: [\d,]+ events fire/m,
    );
    expect(stdout).toMatch(/^check: the first 2,000 of them identical with json-rules-engine too/m);
    expect(stdout).toMatch(
      /^check: the whole stream, 200,000 events, identical with ours and the hand-written index/m,
    );
    expect(stdout).not.toMatch(/^(RESULT|throughput|memory)/m);
  }, 180_000);
});
