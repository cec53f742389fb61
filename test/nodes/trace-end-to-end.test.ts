import { randomUUID } from 'node:crypto';
import amqplib from 'amqplib';
import request from 'supertest';
import { parseTraceparent, traceIdOf } from '../../connectors/http/trace-context';
import type { HubStoreNode } from '../../nodes/hub-store/hub-store';
import restClientModule from '../../nodes/rest-client/rest-client';
import restRequestModule from '../../nodes/rest-request/rest-request';
import { hubRuntime } from '../../nodes/shared/hub-runtime';
import type { RED } from '../../nodes/shared/red';
import { createVhost, deleteVhost } from '../e2e/hub-process';
import { useGateway } from '../unit/connectors/http/gateway-server';
import { sinkNode, whenStatus } from './amqp-test-nodes';
import { all, captured, core, helper, load, nextInput, tempDir, useHelper, type FlowNode } from './harness';
import { goodAddress, reportAddressChange, soapServiceNode } from './soap-fixtures';

const restClient = (red: RED) => restClientModule(red);
const restRequest = (red: RED) => restRequestModule(red);
const modules = [...all, restClient, restRequest, core.fn, sinkNode];

useHelper();
const gateway = useGateway();

/** Noon in Berlin on a winter weekday: outside the default quiet hours for SMS. */
const NOON = Date.parse('2026-01-14T11:00:00Z');

/**
 * One trace id from the legacy call to the gateway, on RabbitMQ: a SOAP ReportAddressChange and a
 * POST /api/v1/events, each with a W3C traceparent, go over crm.events to the policy engine; the SMS
 * decision is published on crm.actions and sent to the SMS gateway by rest-request. The decision (as
 * /api/v1/decisions and explain show it), the action's AMQP header and the gateway's HTTP header all
 * carry the caller's trace id.
 */
describe('W3C trace context from the inbound call to the outbound action (RabbitMQ)', () => {
  const run = randomUUID().slice(0, 8);
  const vhost = `crm-hub-trace-${run}`;
  const policyId = `trace-sms-${run}`;
  let url = '';
  let conn: amqplib.ChannelModel;
  let ch: amqplib.Channel;
  let actions = '';

  beforeAll(async () => {
    url = createVhost(vhost);
    conn = await amqplib.connect(url);
    ch = await conn.createChannel();
    await ch.assertExchange('crm.actions', 'topic', { durable: true });
    actions = (await ch.assertQueue('', { exclusive: true })).queue;
    await ch.bindQueue(actions, 'crm.actions', 'action.sms');
  });
  afterAll(async () => {
    await conn.close();
    deleteVhost(vhost);
  });
  beforeEach(() => {
    hubRuntime.contactPolicy.configure({});
    hubRuntime.contactPolicy.clock = () => NOON;
  });

  const flow = (): FlowNode[] => [
    { id: 'broker', type: 'amqp-broker', urls: url, heartbeat: '30', version: 2 },
    { id: 'store', type: 'hub-store', databaseUrl: '', directory: tempDir('trace'), version: 1 },
    // not id 'crm': Node-RED reads a property value equal to a config node's id as a dependency on it
    { id: 'sys-crm', type: 'legacy-system', systemId: 'crm', mapping: '', version: 2 },
    soapServiceNode,
    // the call-center CRM's path onto the bus, as in flows/hub.json
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
    { id: 'reply', type: 'soap-response', version: 1 },
    // the bus to the policy engine, and the SMS to the gateway
    {
      id: 'in',
      type: 'amqp-in',
      broker: 'broker',
      queue: `test.trace.${run}`,
      bindings: 'event.address-changed.*',
      prefetch: '5',
      ack: 'flow',
      timeout: '10000',
      store: '',
      singleActive: false,
      wires: [['engine']],
      version: 1,
    },
    { id: 'engine', type: 'policy-engine', store: '', sweepSeconds: '30', wires: [['done']], version: 2 },
    {
      id: 'card',
      type: 'policy',
      engine: 'engine',
      policyId,
      titleEn: 'New address → SMS',
      titleDe: 'Neue Adresse → SMS',
      when: 'event address-changed',
      condition: '',
      history: '',
      then: 'sms moving-offer to sms',
      perCustomer: '',
      global: '',
      priority: '60',
      mode: 'trigger',
      active: true,
      wires: [['act']],
      version: 2,
    },
    { id: 'act', type: 'channel-action', store: 'store', broker: 'broker', wires: [['send']], version: 2 },
    {
      id: 'gw',
      type: 'rest-client',
      name: 'SMS gateway',
      baseUrl: gateway().url,
      auth: 'none',
      headers: '',
      rejectUnauthorized: true,
      timeout: '2000',
      retries: '0',
      retryDelay: '1',
      retryAfterMax: '5000',
      breakerThreshold: '5',
      breakerReset: '30000',
      version: 1,
    },
    {
      id: 'send',
      type: 'rest-request',
      client: 'gw',
      method: 'POST',
      path: '/sms',
      maxRequest: '',
      maxResponse: '',
      wires: [['sent']],
      version: 1,
    },
    { id: 'sent', type: 'amqp-test-sink' },
    { id: 'done', type: 'amqp-test-sink' },
  ];

  async function deploy(): Promise<void> {
    await load(modules, flow());
    await whenStatus('in', 'amqp-in.status.consuming');
    const store = await (helper.getNode('store') as unknown as HubStoreNode).ready;
    for (const ref of ['crm:0009001', 'crm:0009002']) {
      await store.putCustomer({
        customerRef: ref,
        document: {
          customerRef: ref,
          kind: 'person',
          consents: [{ channel: 'sms', purpose: 'marketing', status: 'granted', at: '2026-01-10T09:00:00Z' }],
        },
        updatedAt: '2026-01-10T09:00:00Z',
        sourceSystem: 'crm',
      });
    }
  }

  /** The action the broker holds on the test's queue (bound to action.sms) for this decision. */
  async function actionMessage(decisionId: string): Promise<amqplib.GetMessage> {
    const m = await ch.get(actions, { noAck: true });
    if (!m) throw new Error('no action on crm.actions');
    expect(m.properties.messageId).toBe(decisionId);
    return m;
  }

  /** Everything the trace should link, after one inbound call. */
  async function followed(sent: Promise<{ decisionId: string; traceparent: string }>) {
    const msg = await sent;
    const action = await actionMessage(msg.decisionId);
    const call = gateway().seen.at(-1);
    const api = request(captured.red!.httpNode);
    const found = await api.get(`/api/v1/decisions/${msg.decisionId}`);
    expect(found.status).toBe(200);
    const explained = await api.get(
      `/api/v1/policies/${policyId}/explain?customer=${encodeURIComponent(String(found.body.decision.customerRef))}`,
    );
    expect(explained.status).toBe(200);
    return {
      decision: String(found.body.decision.traceparent),
      explain: String(explained.body.evaluations[0].decisions[0].traceparent),
      onMsg: msg.traceparent,
      action: String(action.properties.headers?.traceparent),
      actionBody: String((JSON.parse(action.content.toString()) as { traceparent: string }).traceparent),
      gateway: String(call?.headers.traceparent),
    };
  }

  it('links a POST /api/v1/events with a traceparent header to the decision, crm.actions and the gateway', async () => {
    await deploy();
    const trace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const sent = nextInput<{ decisionId: string; traceparent: string }>('sent');
    const posted = await request(captured.red!.httpNode)
      .post('/api/v1/events')
      .set('traceparent', `00-${trace}-00f067aa0ba902b7-01`)
      .send({
        eventId: randomUUID(),
        schemaVersion: '1.0',
        type: 'address-changed',
        occurredAt: '2026-01-14T10:59:00.000Z',
        channel: 'web',
        source: { system: 'web-shop' },
        customer: { ref: 'crm:0009002', identifiers: [{ system: 'crm', id: '0009002' }] },
        data: { address: { street: 'Ring 1', postalCode: '50667', city: 'Köln', country: 'DE' } },
      });
    expect(posted.status).toBe(202);
    expect(traceIdOf(posted.headers.traceresponse)).toBe(trace);

    const seen = await followed(sent);
    for (const value of Object.values(seen)) expect(traceIdOf(value)).toBe(trace);
    // the decision keeps the context it arrived with; each call the hub makes is a span of its own
    expect(seen.decision).toBe(seen.onMsg);
    expect(seen.explain).toBe(seen.decision);
    expect(seen.actionBody).toBe(seen.action);
    const parents = new Set(
      [seen.decision, seen.action, seen.gateway].map((v) => parseTraceparent(v)?.parentId),
    );
    expect(parents.size).toBe(3);
  });

  it('links a SOAP ReportAddressChange with an HTTP traceparent header the same way', async () => {
    await deploy();
    const trace = 'a3ce929d0e0e47364bf92f3577b34da6';
    const sent = nextInput<{ decisionId: string; traceparent: string }>('sent');
    const answer = await request(captured.red!.httpNode)
      .post('/soap/crm')
      .set('Content-Type', 'text/xml; charset=utf-8')
      .set('SOAPAction', '"urn:crm-hub:crm/ReportAddressChange"')
      .set('traceparent', `00-${trace}-b7ad6b7169203331-01`)
      .send(reportAddressChange({ ...goodAddress, customerNumber: '0009001' }));
    expect(answer.status).toBe(200);

    const seen = await followed(sent);
    for (const value of Object.values(seen)) expect(traceIdOf(value)).toBe(trace);
  });
});
