import { randomUUID } from 'node:crypto';
import amqplib from 'amqplib';
import request from 'supertest';
import type { HubStoreNode } from '../../nodes/hub-store/hub-store';
import { sinkNode, whenStatus } from './amqp-test-nodes';
import { all, captured, helper, load, nextInput, RABBIT_URL, tempDir, useHelper } from './harness';

useHelper();
const nodes = [...all, sinkNode];

/**
 * The REST API for events and policies on a deployed flow: events posted to /api/v1/events travel
 * over the bus (crm.events, as SOAP ReportInteraction's do) through amqp-in to the policy engine; the
 * policy is switched through /api/v1/policies and through the editor's button route, without a
 * redeploy, and every switch is audited in the hub store.
 */
const buses = [
  ['embedded bus', ''],
  ['RabbitMQ', RABBIT_URL],
] as const;

describe.each(buses)('policy REST API on the %s', (_name, url) => {
  const run = randomUUID().slice(0, 8);
  // an event type of this run only, so the queue on a shared broker sees no other test's events
  const type = `api-toggle-${run}`;
  const queue = `test.policy-api.${run}`;
  const policyId = `api-mortgage-${run}`;

  const deploy = (directory: string) =>
    load(nodes, [
      { id: 'broker', type: 'amqp-broker', urls: url, heartbeat: '30', version: 2 },
      { id: 'store', type: 'hub-store', databaseUrl: '', directory, version: 1 },
      {
        id: 'in',
        type: 'amqp-in',
        broker: 'broker',
        queue,
        bindings: `event.${type}.*`,
        prefetch: '5',
        ack: 'flow',
        timeout: '10000',
        store: '',
        singleActive: false,
        wires: [['eng']],
        version: 1,
      },
      {
        id: 'eng',
        type: 'policy-engine',
        store: 'store',
        sweepSeconds: '30',
        wires: [['evaluated']],
        version: 2,
      },
      {
        id: 'p1',
        type: 'policy',
        engine: 'eng',
        policyId,
        titleEn: 'Web visit → mortgage offer',
        titleDe: 'Webbesuch → Hypothekenangebot',
        when: `event ${type} via web`,
        condition: '',
        history: '',
        then: 'web-offer mortgage to web within 30d',
        perCustomer: '',
        global: '',
        priority: '60',
        mode: 'trigger',
        active: true,
        wires: [['decided']],
        version: 2,
      },
      { id: 'decided', type: 'amqp-test-sink' },
      { id: 'evaluated', type: 'amqp-test-sink' },
    ]);

  const event = (n: number) => ({
    eventId: `6a1f9a4e-1c2d-4e5f-8a9b-${run}000${n}`,
    schemaVersion: '1.0',
    type,
    occurredAt: '2026-11-22T10:00:00.000Z',
    channel: 'web',
    source: { system: 'web-shop' },
    customer: { ref: 'crm:77', identifiers: [{ system: 'crm', id: '77' }] },
    data: {},
  });

  type Trace = { decisions: unknown[]; explanations: { policyId: string; outcome: string }[] };
  const api = () => request(captured.red!.httpNode);
  const admin = () => request(captured.red!.httpAdmin);

  /** posts the event to the REST API and resolves with the engine's evaluation of it */
  async function postEvent(n: number): Promise<Trace> {
    const evaluated = nextInput<Trace>('evaluated');
    const posted = await api().post('/api/v1/events').send(event(n));
    expect(posted.status).toBe(202);
    expect(posted.body).toEqual({ eventIds: [event(n).eventId] });
    return evaluated;
  }

  afterAll(async () => {
    if (!url) return;
    const conn = await amqplib.connect(url);
    const ch = await conn.createChannel();
    await ch.deleteQueue(queue);
    await conn.close();
  });

  it('switches off and on through the API without a redeploy, audits it, and keeps it across a redeploy', async () => {
    const directory = tempDir('policy-api');
    await deploy(directory);
    await whenStatus('in', 'amqp-in.status.consuming');
    type Fired = { payload: { policyId: string; eventId: string } };
    const fired: Fired[] = [];
    helper.getNode('decided').on('input', (msg: Record<string, unknown>) => fired.push(msg as Fired));

    const listed = await api().get('/api/v1/policies');
    expect(listed.status).toBe(200);
    expect(listed.body.policies).toContainEqual(
      expect.objectContaining({
        policyId,
        title: { en: 'Web visit → mortgage offer', de: 'Webbesuch → Hypothekenangebot' },
        mode: 'trigger',
        version: { number: 1, hash: expect.stringMatching(/^[0-9a-f]{16}$/) },
        enabled: true,
        source: { kind: 'node', id: 'p1', engineId: 'eng' },
      }),
    );

    // without httpNodeAuth: nothing from beyond this machine, no page of another site, no form
    const toggle = `/api/v1/policies/${policyId}/toggle`;
    for (const headers of [
      { 'X-Forwarded-For': '203.0.113.7' },
      { Forwarded: 'for=203.0.113.7' },
      { 'X-Real-IP': '203.0.113.7' },
      { Host: 'attacker.example:1880' },
    ]) {
      const refused = await api().post(toggle).set(headers);
      expect([headers, refused.status, refused.body.error]).toEqual([headers, 403, 'loopback-only']);
    }
    const forged = await api().post(toggle).set('Origin', 'null');
    expect([forged.status, forged.body.error]).toEqual([403, 'cross-origin']);
    const form = await api().post(toggle).type('form').send('');
    expect([form.status, form.body.error]).toEqual([415, 'unsupported-media-type']);
    const soap = await api().post('/soap/hub').set('X-Forwarded-For', '203.0.113.7').type('text/xml');
    expect(soap.status).toBe(403);
    expect(soap.text).toContain('<faultcode>soap:Client</faultcode>');
    expect((await api().get(`/api/v1/policies/${policyId}`)).body).toMatchObject({ enabled: true });

    const off = await api().post(toggle);
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({
      enabled: false,
      previous: true,
      audit: { user: 'anonymous@127.0.0.1' },
    });
    const quiet = await postEvent(1);
    expect(quiet.decisions).toEqual([]);
    expect(quiet.explanations).toEqual([expect.objectContaining({ policyId, outcome: 'switched-off' })]);

    const on = await api().put(`/api/v1/policies/${policyId}/state`).send({ enabled: true });
    expect(on.body).toMatchObject({ enabled: true, previous: false });
    const decided = nextInput<Fired>('decided');
    const loud = await postEvent(2);
    expect(loud.decisions).toHaveLength(1);
    expect((await decided).payload).toMatchObject({ policyId, eventId: event(2).eventId });
    expect(fired.map((msg) => msg.payload.eventId)).toEqual([event(2).eventId]);

    const audit = await api().get(`/api/v1/policies/${policyId}/audit`);
    expect(audit.body.entries).toEqual([
      expect.objectContaining({ enabled: true, previous: false, user: 'anonymous@127.0.0.1', via: 'api' }),
      expect.objectContaining({
        enabled: false,
        previous: true,
        user: 'anonymous@127.0.0.1',
        via: 'api',
        remoteAddress: '127.0.0.1',
      }),
    ]);

    const summary = await api().get(`/api/v1/policies/${policyId}`);
    expect(summary.body.counts.today).toMatchObject({ fired: 1, suppressed: { 'switched-off': 1 } });
    const explained = await api().get(`/api/v1/policies/${policyId}/explain?customer=crm:77`);
    expect(explained.body.evaluations.map((e: { outcome: string }) => e.outcome)).toEqual([
      'fired',
      'switched-off',
    ]);

    // the editor's button goes through the same switch and the same trail
    const button = await admin().post(`/crm-hub/policies/${policyId}/state`).send({ enabled: false });
    expect(button.status).toBe(200);
    expect(button.body.audit).toMatchObject({ via: 'editor', user: 'anonymous@127.0.0.1', enabled: false });
    // pressed again for the same state: nothing changed, so the trail gets no second "switched off"
    const again = await admin().post(`/crm-hub/policies/${policyId}/state`).send({ enabled: false });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ policyId, enabled: false, previous: false, changed: false });

    // a redeploy over the same store: the switch and its trail are the store's
    await helper.unload();
    await deploy(directory);
    await whenStatus('in', 'amqp-in.status.consuming');
    const store = await (helper.getNode('store') as unknown as HubStoreNode).ready;
    expect(await store.getPolicyEnabled(policyId)).toBe(false);
    const after = await api().get(`/api/v1/policies/${policyId}`);
    expect(after.body).toMatchObject({ policyId, enabled: false });
    const trail = await api().get(`/api/v1/policies/${policyId}/audit`);
    expect(trail.body.entries.map((e: { via: string; enabled: boolean }) => [e.via, e.enabled])).toEqual([
      ['editor', false],
      ['api', true],
      ['api', false],
    ]);
    const stillQuiet = await postEvent(3);
    expect(stillQuiet.explanations).toEqual([expect.objectContaining({ outcome: 'switched-off' })]);
  });
});

describe('policy REST API with httpNodeAuth configured', () => {
  const policyId = `api-auth-${randomUUID().slice(0, 8)}`;
  afterEach(() => {
    helper.settings({});
  });

  it('records the Basic user Node-RED checked, and refuses a switch without one', async () => {
    // the runtime checks the password before any httpNode route runs; the helper does not, so
    // this shows the glue reads the setting and takes the user from the checked header
    helper.settings({ httpNodeAuth: { user: 'marketing', pass: '$2y$08$unused' } });
    await load(nodes, [
      { id: 'eng', type: 'policy-engine', wires: [[]], version: 2 },
      {
        id: 'p1',
        type: 'policy',
        engine: 'eng',
        policyId,
        titleEn: 'Address change → mortgage',
        titleDe: 'Adressänderung → Hypothek',
        when: 'event address-changed via call-center',
        then: 'web-offer mortgage to web within 30d',
        priority: '60',
        mode: 'trigger',
        active: true,
        wires: [[]],
        version: 2,
      },
    ]);
    const api = () => request(captured.red!.httpNode);
    const anonymous = await api().post(`/api/v1/policies/${policyId}/toggle`);
    expect(anonymous.status).toBe(401);
    const basic = `Basic ${Buffer.from('marketing:secret').toString('base64')}`;
    const res = await api().post(`/api/v1/policies/${policyId}/toggle`).set('authorization', basic);
    expect(res.status).toBe(200);
    expect(res.body.audit).toMatchObject({ user: 'marketing', via: 'api', enabled: false });
    const trail = await api().get(`/api/v1/policies/${policyId}/audit`);
    expect(trail.body.entries).toEqual([expect.objectContaining({ user: 'marketing' })]);
  });
});
