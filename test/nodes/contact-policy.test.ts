import type { HubStoreNode } from '../../nodes/hub-store/hub-store';
import { hubRuntime } from '../../nodes/shared/hub-runtime';
import type { RED } from '../../nodes/shared/red';
import restClientModule from '../../nodes/rest-client/rest-client';
import restRequestModule from '../../nodes/rest-request/rest-request';
import soapClientModule from '../../nodes/soap-client/soap-client';
import soapRequestModule from '../../nodes/soap-request/soap-request';
import { ACTIVITY_WSDL, useCrmActivityServer } from '../fixtures/soap-outbound/crm-activity-server';
import { useGateway } from '../unit/connectors/http/gateway-server';
import { all, core, helper, load, nextInput, tempDir, useHelper, type FlowNode } from './harness';
import { watchStatus } from './node-status';

const soapClient = (red: RED) => soapClientModule(red);
const soapRequest = (red: RED) => soapRequestModule(red);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const completeNode = require('@node-red/nodes/core/common/24-complete.js');
const modules = [...all, soapClient, soapRequest, core.catchNode, completeNode];

useHelper();

const server = useCrmActivityServer();

/** Noon in Berlin and 06:00 in New York on a winter weekday: outside quiet hours unless a test moves it. */
const NOON = Date.parse('2026-01-14T11:00:00Z');

beforeEach(() => {
  hubRuntime.contactPolicy.configure({});
  hubRuntime.contactPolicy.clock = () => NOON;
});

type Caught = {
  error: { code?: string; message: string; source: { id: string } };
  contactPolicy: { allowed: boolean; reason?: string; detail: string };
  payload: Record<string, unknown>;
};

const consent = (channel: string, purpose: string, status: string) => ({
  channel,
  purpose,
  status,
  at: '2026-01-10T09:00:00Z',
  source: { system: 'crm' },
});

async function withCustomer(ref: string, consents: unknown[]): Promise<void> {
  const store = await (helper.getNode('store') as unknown as HubStoreNode).ready;
  await store.putCustomer({
    customerRef: ref,
    document: { customerRef: ref, kind: 'person', tier: 'platinum', consents },
    updatedAt: '2026-01-10T09:00:00Z',
    sourceSystem: 'crm',
  });
}

const smsDecision = (customerRef: string, eventId: string) => ({
  decisionId: `d-${eventId}`,
  policyId: 'platinum-credit-card-sms',
  priority: 70,
  action: 'sms',
  offer: 'credit-card',
  channel: 'sms',
  customerRef,
  eventId,
  title: { en: 'Credit card', de: 'Kreditkarte' },
});

type Suppressed = Caught & {
  suppressed: { reason: string; detail: string; retryAfter?: string };
  policyId?: string;
  decisionId?: string;
};

describe('contact policy at channel-action', () => {
  const flow = (): FlowNode[] => [
    { id: 'tab', type: 'tab' },
    { id: 'store', type: 'hub-store', z: 'tab', databaseUrl: '', directory: tempDir('contact') },
    { id: 'act', type: 'channel-action', z: 'tab', store: 'store', wires: [['out'], ['held']] },
    { id: 'out', type: 'helper', z: 'tab' },
    { id: 'held', type: 'helper', z: 'tab' },
    { id: 'catcher', type: 'catch', z: 'tab', scope: ['act'], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'tab' },
    { id: 'completer', type: 'complete', z: 'tab', scope: ['act'], uncaught: false, wires: [['completed']] },
    { id: 'completed', type: 'helper', z: 'tab' },
  ];

  it('suppresses an SMS to a customer who withdrew SMS marketing: the msg completes (no error, no Catch) and leaves on the second output with the reason', async () => {
    await load(modules, flow());
    await withCustomer('crm:2001', [consent('sms', 'marketing', 'withdrawn')]);
    const sent: unknown[] = [];
    const caughtAll: unknown[] = [];
    helper.getNode('out').on('input', (msg: unknown) => sent.push(msg));
    helper.getNode('caught').on('input', (msg: unknown) => caughtAll.push(msg));
    const status = watchStatus('act');
    const held = nextInput<Suppressed>('held');
    const completed = nextInput<{ _msgid: string }>('completed');
    helper.getNode('act').receive({ payload: smsDecision('crm:2001', 'e-1') } as never);
    const msg = await held;
    await completed;
    expect(msg.suppressed).toMatchObject({ reason: 'opt-out' });
    expect(msg.suppressed.detail).toContain('withdrew marketing on sms');
    expect(msg.contactPolicy).toMatchObject({ allowed: false, reason: 'opt-out', channel: 'sms' });
    expect(msg.payload).toMatchObject({ offerId: 'd-e-1', action: 'sms', customerId: 'crm:2001' });
    expect(msg.policyId).toBe('platinum-credit-card-sms');
    expect(sent).toEqual([]);
    expect(caughtAll).toEqual([]);
    expect(status.all).toEqual([
      { fill: 'yellow', shape: 'dot', text: 'channel-action.status.counted-refused' },
    ]);
    expect(hubRuntime.contactPolicy.counts().total.suppressed['opt-out']).toBeGreaterThanOrEqual(1);
  });

  it('suppresses an SMS to a customer who never gave SMS consent, without an error', async () => {
    await load(modules, flow());
    await withCustomer('crm:2004', []);
    const errors: unknown[] = [];
    helper.getNode('caught').on('input', (msg: unknown) => errors.push(msg));
    const held = nextInput<Suppressed>('held');
    const completed = nextInput('completed');
    helper.getNode('act').receive({ payload: smsDecision('crm:2004', 'e-5') } as never);
    expect((await held).suppressed).toMatchObject({ reason: 'consent' });
    await completed;
    expect(errors).toEqual([]);
  });

  it('sends the SMS to a customer who granted it, with the checked contact on the msg', async () => {
    await load(modules, flow());
    await withCustomer('crm:2002', [consent('sms', 'marketing', 'granted')]);
    const out = nextInput<{
      payload: Record<string, unknown>;
      contact: unknown;
      contactPolicy: unknown;
      suppressed?: unknown;
    }>('out');
    helper.getNode('act').receive({ payload: smsDecision('crm:2002', 'e-2') } as never);
    const msg = await out;
    expect(msg.payload).toMatchObject({ offerId: 'd-e-2', action: 'sms', customerId: 'crm:2002' });
    expect(msg.contact).toEqual({
      channel: 'sms',
      purpose: 'marketing',
      customerRef: 'crm:2002',
      policyId: 'platinum-credit-card-sms',
      offer: 'credit-card',
      id: 'd-e-2',
    });
    expect(msg.contactPolicy).toMatchObject({ allowed: true });
    expect(msg.suppressed).toBeUndefined();
  });

  it('holds the SMS back at night in the customer zone, and records a decline for the cooldown', async () => {
    await load(modules, flow());
    await withCustomer('crm:2003', [consent('sms', 'marketing', 'granted')]);
    hubRuntime.contactPolicy.clock = () => Date.parse('2026-01-14T22:30:00Z'); // 23:30 in Berlin
    const night = nextInput<Suppressed>('held');
    helper.getNode('act').receive({ payload: smsDecision('crm:2003', 'e-3') } as never);
    const quiet = await night;
    expect(quiet.suppressed).toMatchObject({ reason: 'quiet-hours', retryAfter: '2026-01-15T07:00:00.000Z' });
    expect(quiet.contactPolicy).toMatchObject({
      reason: 'quiet-hours',
      retryAfter: '2026-01-15T07:00:00.000Z',
    });

    hubRuntime.contactPolicy.clock = () => NOON;
    const recorded = nextInput('out');
    helper.getNode('act').receive({
      payload: {
        schemaVersion: '1.0',
        responseId: 'r-1',
        offerId: 'd-e-0',
        policyId: 'platinum-credit-card-sms',
        customerRef: 'crm:2003',
        channel: 'sms',
        outcome: 'rejected',
        occurredAt: '2026-01-13T10:00:00Z',
      },
    } as never);
    await recorded;
    const cooled = nextInput<Suppressed>('held');
    helper.getNode('act').receive({ payload: smsDecision('crm:2003', 'e-4') } as never);
    expect((await cooled).suppressed).toMatchObject({ reason: 'cooldown' });
  });
});

describe('contact policy at soap-request, sent straight from a flow (no engine)', () => {
  const flow = (): FlowNode[] => [
    { id: 'tab', type: 'tab' },
    { id: 'store', type: 'hub-store', z: 'tab', databaseUrl: '', directory: tempDir('contact-soap') },
    {
      id: 'crm',
      type: 'soap-client',
      z: 'tab',
      wsdl: ACTIVITY_WSDL,
      endpoint: server().url,
      breakerThreshold: '5',
      breakerReset: '30000',
      security: 'none',
      wsdlAuth: 'none',
      version: 1,
    },
    {
      id: 'req',
      type: 'soap-request',
      z: 'tab',
      client: 'crm',
      operation: 'CreateActivity',
      timeout: '5000',
      retries: '0',
      retryDelay: '5',
      version: 2,
      wires: [['out'], ['held']],
    },
    { id: 'out', type: 'helper', z: 'tab' },
    { id: 'held', type: 'helper', z: 'tab' },
    { id: 'catcher', type: 'catch', z: 'tab', scope: ['req'], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'tab' },
    { id: 'completer', type: 'complete', z: 'tab', scope: ['req'], uncaught: false, wires: [['completed']] },
    { id: 'completed', type: 'helper', z: 'tab' },
  ];

  const callTask = (customerRef: string, contact: Record<string, unknown>) => ({
    payload: { customerRef, subject: 'Call about the premium card', dueDate: '2026-07-01' },
    contact,
    idempotencyKey: `call-${customerRef}`,
  });

  it('suppresses the call for a customer without consent: no call, the msg completes without an error and leaves on the second output with the reason', async () => {
    // this deployment wants prior consent for marketing calls, as German law does for consumers
    hubRuntime.contactPolicy.configure({ requireConsent: { phone: ['marketing'] } });
    await load(modules, flow());
    await withCustomer('crm:3001', []);
    const sent: unknown[] = [];
    const caughtAll: unknown[] = [];
    helper.getNode('out').on('input', (msg: unknown) => sent.push(msg));
    helper.getNode('caught').on('input', (msg: unknown) => caughtAll.push(msg));
    const status = watchStatus('req');
    const held = nextInput<Suppressed>('held');
    const completed = nextInput<{ error?: unknown }>('completed');
    helper.getNode('req').receive(callTask('crm:3001', { channel: 'phone', purpose: 'marketing' }) as never);
    const msg = await held;
    expect((await completed).error).toBeUndefined();
    expect(msg.suppressed).toMatchObject({ reason: 'consent' });
    expect(msg.suppressed.detail).toEqual(expect.any(String));
    expect(msg.contactPolicy).toMatchObject({ allowed: false, reason: 'consent', customerRef: 'crm:3001' });
    // the request as it came, for a flow that wants to record or delay it
    expect(msg.payload).toMatchObject({ customerRef: 'crm:3001', subject: 'Call about the premium card' });
    expect(sent).toEqual([]);
    expect(caughtAll).toEqual([]);
    expect(status.all).toContainEqual({
      fill: 'yellow',
      shape: 'ring',
      text: 'soap-request.status.suppressed',
    });
    expect(hubRuntime.contactPolicy.counts().total.suppressed.consent).toBeGreaterThanOrEqual(1);
    expect(server().posts).toBe(0);
    expect(server().activities).toEqual([]);
  });

  it('suppresses the call for a customer (msg.customerRef) who withdrew phone marketing, the purpose left to its default', async () => {
    await load(modules, flow());
    await withCustomer('crm:3002', [consent('phone', 'marketing', 'withdrawn')]);
    const caughtAll: unknown[] = [];
    helper.getNode('caught').on('input', (msg: unknown) => caughtAll.push(msg));
    const held = nextInput<Suppressed>('held');
    const completed = nextInput('completed');
    const msg = { ...callTask('crm:9999', { channel: 'call-task' }), customerRef: 'crm:3002' };
    helper.getNode('req').receive(msg as never);
    const suppressed = await held;
    await completed;
    expect(suppressed.suppressed).toMatchObject({ reason: 'opt-out' });
    expect(suppressed.contactPolicy).toMatchObject({ reason: 'opt-out', purpose: 'marketing' });
    expect(caughtAll).toEqual([]);
    expect(server().posts).toBe(0);
    expect(server().activities).toEqual([]);
  });

  it('calls for a customer who consented, and for a msg that declares no contact, as before', async () => {
    hubRuntime.contactPolicy.configure({ requireConsent: { phone: ['marketing'] } });
    await load(modules, flow());
    await withCustomer('crm:3003', [consent('phone', 'marketing', 'granted')]);
    const first = nextInput<{ payload: unknown; contactPolicy: unknown }>('out');
    helper.getNode('req').receive(callTask('crm:3003', { channel: 'phone', purpose: 'marketing' }) as never);
    expect(await first).toMatchObject({ payload: { activityId: 'ACT-1' }, contactPolicy: { allowed: true } });

    const plain = nextInput<{ payload: unknown }>('out');
    helper
      .getNode('req')
      .receive({ payload: callTask('crm:3004', {}).payload, idempotencyKey: 'k-2' } as never);
    expect((await plain).payload).toEqual({ activityId: 'ACT-2' });
    expect(server().activities.map((a) => a.customerRef)).toEqual(['crm:3003', 'crm:3004']);
  });

  it('suppresses without a store to read consents from (fails closed: no call)', async () => {
    await load(
      modules,
      flow().filter((n) => n.type !== 'hub-store'),
    );
    const held = nextInput<Suppressed>('held');
    helper.getNode('req').receive(callTask('crm:3005', { channel: 'phone', purpose: 'service' }) as never);
    const msg = await held;
    expect(msg.suppressed).toMatchObject({ reason: 'consent' });
    expect(msg.contactPolicy).toMatchObject({ reason: 'consent' });
    expect(server().posts).toBe(0);
  });
});

describe('contact policy at rest-request (an SMS gateway called straight from a flow)', () => {
  const gateway = useGateway();
  const restModules = [
    ...all,
    (red: RED) => restClientModule(red),
    (red: RED) => restRequestModule(red),
    core.catchNode,
    completeNode,
  ];
  const flow = (): FlowNode[] => [
    { id: 'tab', type: 'tab' },
    { id: 'store', type: 'hub-store', z: 'tab', databaseUrl: '', directory: tempDir('contact-rest') },
    {
      id: 'gw',
      type: 'rest-client',
      z: 'tab',
      baseUrl: gateway().url,
      auth: 'none',
      timeout: '2000',
      retries: '0',
      retryDelay: '1',
      retryAfterMax: '5000',
      breakerThreshold: '5',
      breakerReset: '30000',
      version: 1,
    },
    {
      id: 'req',
      type: 'rest-request',
      z: 'tab',
      client: 'gw',
      method: 'POST',
      path: '/sms',
      version: 1,
      wires: [['out'], ['held']],
    },
    { id: 'out', type: 'helper', z: 'tab' },
    { id: 'held', type: 'helper', z: 'tab' },
    { id: 'catcher', type: 'catch', z: 'tab', scope: ['req'], uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'tab' },
    { id: 'completer', type: 'complete', z: 'tab', scope: ['req'], uncaught: false, wires: [['completed']] },
    { id: 'completed', type: 'helper', z: 'tab' },
  ];
  const sms = (customerRef: string) => ({
    payload: { to: '+491701234567', text: 'Ihr Angebot wartet', decisionId: `d-${customerRef}` },
    contact: { channel: 'sms', purpose: 'marketing', customerRef },
  });

  it('suppresses the SMS for a customer without SMS consent (no call, no error, second output), and sends for one with it', async () => {
    await load(restModules, flow());
    await withCustomer('crm:4001', []);
    await withCustomer('crm:4002', [consent('sms', 'marketing', 'granted')]);
    const caughtAll: unknown[] = [];
    helper.getNode('caught').on('input', (msg: unknown) => caughtAll.push(msg));
    const status = watchStatus('req');
    const held = nextInput<Suppressed>('held');
    const completed = nextInput<{ error?: unknown }>('completed');
    helper.getNode('req').receive(sms('crm:4001') as never);
    const { suppressed, contactPolicy, payload } = await held;
    expect((await completed).error).toBeUndefined();
    expect(suppressed).toMatchObject({ reason: 'consent' });
    expect(contactPolicy).toMatchObject({ allowed: false, reason: 'consent' });
    expect(payload).toMatchObject({ to: '+491701234567', decisionId: 'd-crm:4001' });
    expect(caughtAll).toEqual([]);
    expect(status.all).toContainEqual({
      fill: 'yellow',
      shape: 'ring',
      text: 'rest-request.status.suppressed',
    });
    expect(gateway().seen).toEqual([]);
    const sent = nextInput('out');
    helper.getNode('req').receive(sms('crm:4002') as never);
    await sent;
    expect(gateway().seen).toHaveLength(1);
  });
});
