import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import * as soap from 'soap';
import { createVhost, deleteVhost, eventually, startHub, type RunningHub } from './hub-process';

const run = promisify(execFile);

/**
 * The thin slice end to end, on the real hub process with RabbitMQ: the call-center CRM reports an
 * address change over SOAP, and the mortgage offer appears on the customer's web channel.
 */
describe('hub: address change via SOAP → mortgage offer on the web (RabbitMQ)', () => {
  const vhost = `crm-hub-e2e-${randomUUID().slice(0, 8)}`;
  let hub: RunningHub;

  beforeAll(async () => {
    const amqpUrl = createVhost(vhost);
    hub = await startHub({ AMQP_URL: amqpUrl, DATABASE_URL: '' });
  }, 150000);

  afterAll(async () => {
    await hub?.stop();
    deleteVhost(vhost);
  });

  const customerNumber = () => String(Math.floor(Math.random() * 1e9)).padStart(10, '0');

  async function offersFor(ref: string): Promise<{ offer: string; channel: string; policyId: string }[]> {
    const res = await fetch(`${hub.url}/api/v1/customers/${encodeURIComponent(ref)}/offers?channel=web`);
    expect(res.status).toBe(200);
    return ((await res.json()) as { offers: { offer: string; channel: string; policyId: string }[] }).offers;
  }

  it('logs that it uses RabbitMQ and the embedded store, and reports both healthy', async () => {
    expect(hub.log()).toMatch(/bus\s+= RabbitMQ/);
    expect(hub.log()).toMatch(/store = embedded LMDB/);
    const health = (await (await fetch(`${hub.url}/healthz`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({
      status: 'ok',
      bus: [expect.objectContaining({ kind: 'rabbitmq', ok: true, state: 'connected' })],
      store: [expect.objectContaining({ kind: 'embedded', ok: true })],
      flows: expect.objectContaining({ state: 'started' }),
    });
  });

  it('accepts ReportAddressChange from a node-soap client and offers a mortgage on the web channel', async () => {
    const client = await soap.createClientAsync(`${hub.url}/soap/crm?wsdl`);
    const number = customerNumber();
    const [result] = await client.ReportAddressChangeAsync({
      customerNumber: number,
      street: 'Leopoldstraße 12',
      postalCode: '80802',
      city: 'München',
      country: 'DE',
      channel: 'call-center',
    });
    expect(result.accepted).toBe(true);
    expect(result.eventId).toMatch(/^[0-9a-f-]{36}$/);

    const offers = await eventually(async () => {
      const list = await offersFor(`crm:${number}`);
      return list.length ? list : undefined;
    }, 'the mortgage offer');
    expect(offers).toEqual([
      expect.objectContaining({ offer: 'mortgage', channel: 'web', policyId: 'address-change-mortgage' }),
    ]);
  });

  it('answers invalid input with a SOAP Fault that names the bad field', async () => {
    const client = await soap.createClientAsync(`${hub.url}/soap/crm?wsdl`);
    const error = await client
      .ReportAddressChangeAsync({
        customerNumber: customerNumber(),
        street: 'Leopoldstraße 12',
        postalCode: '80802',
        city: 'München',
        country: 'Germany',
      })
      .then(
        () => undefined,
        (err: { root?: { Envelope?: { Body?: { Fault?: { faultstring?: string } } } } }) => err,
      );
    expect(error).toBeDefined();
    expect(error?.root?.Envelope?.Body?.Fault?.faultstring).toContain('country');
    // the hub is still healthy and serving
    expect((await fetch(`${hub.url}/healthz`)).status).toBe(200);
  });

  it('works the same for an independent SOAP client (python3-zeep)', async () => {
    const number = customerNumber();
    const script = [
      'import json, sys, zeep',
      'client = zeep.Client(sys.argv[1])',
      "r = client.service.ReportAddressChange(customerNumber=sys.argv[2], street='Ring 1', postalCode='50667', city='Köln', country='DE', channel='call-center')",
      "print(json.dumps({'accepted': r.accepted, 'eventId': r.eventId}))",
    ].join('\n');
    // Debian's python3 carries python3-zeep; a pyenv python3 on PATH may not
    const { stdout } = await run('/usr/bin/python3', ['-c', script, `${hub.url}/soap/crm?wsdl`, number]);
    expect(JSON.parse(stdout.trim().split('\n').pop() as string)).toMatchObject({ accepted: true });
    const offers = await eventually(async () => {
      const list = await offersFor(`crm:${number}`);
      return list.length ? list : undefined;
    }, 'the mortgage offer for the zeep call');
    expect(offers[0]).toMatchObject({ offer: 'mortgage' });
  });
});
