import { randomUUID } from 'node:crypto';
import type { NodeMessage } from 'node-red';
import request from 'supertest';
import type { AmqpBrokerNode } from '../../nodes/amqp-broker/amqp-broker';
import { createVhost, deleteVhost, eventually } from '../e2e/hub-process';
import { TcpProxy } from '../integration/amqp-tcp-proxy';
import { sinkNode, whenStatus } from './amqp-test-nodes';
import { all, captured, core, helper, load, useHelper, type FlowNode } from './harness';
import { goodAddress, reportAddressChange, soapServiceNode } from './soap-fixtures';

/**
 * The broker blocks the hub's connection (a memory or disk alarm, connection.blocked, sent here by the
 * TCP hop). A SOAP ReportAddressChange and a POST /api/v1/events used to wait for a confirm that could
 * not come until publishTimeoutMs (30 s) ran out: both answered after 30.1 s.
 * Now each is answered at once, with a Fault and a 503 that say the bus takes nothing for now; nothing
 * of theirs is in the queue, and once the alarm clears the same calls are accepted.
 */
useHelper();

const vhost = `crm-hub-blocked-${randomUUID().slice(0, 8)}`;
let url = '';
let proxy: TcpProxy;

beforeAll(async () => {
  url = createVhost(vhost);
  proxy = await TcpProxy.start();
});
afterAll(async () => {
  await proxy.close();
  deleteVhost(vhost);
});

const flow = (): FlowNode[] => [
  {
    id: 'broker',
    type: 'amqp-broker',
    urls: url.replace('127.0.0.1:5672', `127.0.0.1:${proxy.port}`),
    heartbeat: '30',
    version: 2,
  },
  soapServiceNode,
  { id: 'sys-crm', type: 'legacy-system', systemId: 'crm', mapping: '', version: 2 },
  { id: 'soap', type: 'soap-in', service: 'svc', operation: 'ReportAddressChange', wires: [['map']] },
  {
    id: 'map',
    type: 'to-canonical',
    system: 'sys-crm',
    record: '',
    wires: [['publish'], ['reply']],
    version: 1,
  },
  {
    id: 'publish',
    type: 'amqp-out',
    broker: 'broker',
    exchange: 'crm.events',
    routingKey: '',
    wires: [['ack']],
    version: 1,
  },
  {
    id: 'ack',
    type: 'function',
    func: 'msg.payload = { accepted: true, eventId: msg.payload.eventId, message: "ok" }; return msg;',
    outputs: 1,
    wires: [['reply']],
  },
  // as flows/hub.json answers a failure after the mapping
  { id: 'catcher', type: 'catch', scope: ['publish', 'ack'], uncaught: false, wires: [['reply']] },
  { id: 'reply', type: 'soap-response', version: 1 },
  {
    id: 'in',
    type: 'amqp-in',
    broker: 'broker',
    queue: 'events.all',
    bindings: 'event.#',
    prefetch: '5',
    ack: 'flow',
    timeout: '5000',
    store: '',
    wires: [['got']],
    version: 1,
  },
  { id: 'got', type: 'amqp-test-sink' },
];

const soapCall = (customerNumber: string) =>
  request(captured.red!.httpNode)
    .post('/soap/crm')
    .set('Content-Type', 'text/xml; charset=utf-8')
    .set('SOAPAction', '"urn:crm-hub:crm/ReportAddressChange"')
    .send(reportAddressChange({ ...goodAddress, customerNumber }));

const event = (n: number) => ({
  eventId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  schemaVersion: '1.0',
  type: 'visit',
  occurredAt: '2026-01-14T11:00:00.000Z',
  channel: 'web',
  source: { system: 'web-shop' },
  customer: { ref: 'crm:77', identifiers: [{ system: 'crm', id: '77' }] },
  data: {},
});

it('answers a SOAP Fault and a 503 at once while the broker blocks the connection, and accepts again after', async () => {
  await load([...all, core.fn, core.catchNode, sinkNode], flow());
  await whenStatus('in', 'amqp-in.status.consuming');
  const bus = (helper.getNode('broker') as unknown as AmqpBrokerNode).bus;
  // every event that reached crm.events: a call refused while blocked must not be among them
  const arrived: string[] = [];
  helper.getNode('got').on('input', (msg: NodeMessage) => {
    arrived.push((msg as NodeMessage & { amqp: { routingKey: string } }).amqp.routingKey);
  });
  await request(captured.red!.httpNode).post('/api/v1/events').send(event(1)).expect(202);
  const blocked = new Promise((resolve) => bus.once('blocked', resolve));
  proxy.block('low on memory');
  await blocked;

  const startedAt = Date.now();
  const [soap, rest] = await Promise.all([
    soapCall('0009001'),
    request(captured.red!.httpNode).post('/api/v1/events').send(event(2)),
  ]);
  expect(Date.now() - startedAt).toBeLessThan(3000);
  expect(soap.status).toBe(500);
  expect(soap.text).toContain('<faultcode>soap:Server</faultcode>');
  expect(soap.text).toContain('the message bus is short of memory or disk and takes no messages for now');
  expect(rest.status).toBe(503);
  expect(rest.type).toBe('application/json');
  expect(rest.body).toMatchObject({
    error: 'publish-failed',
    failed: [{ index: 0, error: 'blocked', message: expect.stringMatching(/short of memory or disk/) }],
  });
  expect(JSON.stringify(rest.body)).not.toContain(String(proxy.port));

  const unblocked = new Promise((resolve) => bus.once('unblocked', resolve));
  proxy.unblock();
  await unblocked;
  expect((await soapCall('0009001')).status).toBe(200);
  await request(captured.red!.httpNode).post('/api/v1/events').send(event(3)).expect(202);
  await eventually(async () => (arrived.length >= 3 ? true : undefined), 'the three accepted events');
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(arrived.sort()).toEqual(['event.address-changed.call-center', 'event.visit.web', 'event.visit.web']);
}, 60_000);
