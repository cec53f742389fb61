import request from 'supertest';
import type { HubStoreNode } from '../../nodes/hub-store/hub-store';
import { actionPublication } from '../../nodes/channel-action/action-message';
import { migrations } from '../../nodes/channel-action/migrations';
import { actionToOffer, type ActionRecord } from '../../policies/actions';
import { migrate } from '../../nodes/shared/migrate';
import { all, captured, helper, nextError, nextInput, tempDir, useHelper, load } from './harness';
import { watchStatus } from './node-status';

useHelper();

const decision = {
  decisionId: 'd-1',
  policyId: 'address-change-mortgage',
  priority: 60,
  action: 'web-offer',
  offer: 'mortgage',
  channel: 'web',
  customerRef: 'crm:0004711',
  eventId: 'e-1',
  title: { en: 'Mortgage', de: 'Hypothek' },
  expiresAt: '2026-12-22T10:00:00.000Z',
};

describe('channel-action', () => {
  it('stores a web offer and serves it at GET /api/v1/customers/{id}/offers?channel=web', async () => {
    const dir = tempDir('store');
    await load(all, [
      { id: 'store', type: 'hub-store', databaseUrl: '', directory: dir },
      { id: 'act', type: 'channel-action', store: 'store', wires: [['out']] },
      { id: 'out', type: 'helper' },
    ]);
    const out = nextInput<{ payload: Record<string, unknown> }>('out');
    helper.getNode('act').receive({ payload: decision });
    expect((await out).payload).toMatchObject({
      offerId: 'd-1',
      customerId: 'crm:0004711',
      offer: 'mortgage',
      status: 'open',
    });

    const res = await request(captured.red!.httpNode).get('/api/v1/customers/crm:0004711/offers?channel=web');
    expect(res.status).toBe(200);
    expect(res.body.offers).toHaveLength(1);
    expect(res.body.offers[0]).toMatchObject({ offer: 'mortgage', policyId: 'address-change-mortgage' });

    // the same decision again (a redelivered event) stores nothing twice
    const again = nextInput('out');
    helper.getNode('act').receive({ payload: decision });
    await again;
    const store = await (helper.getNode('store') as unknown as HubStoreNode).ready;
    expect(await store.listOffers('crm:0004711')).toHaveLength(1);
  });

  it('rejects a decision without a customer, naming the field', async () => {
    await load(all, [
      { id: 'store', type: 'hub-store', databaseUrl: '', directory: tempDir('store') },
      { id: 'act', type: 'channel-action', store: 'store', wires: [[]] },
    ]);
    const status = watchStatus('act');
    const err = nextError('act');
    helper.getNode('act').receive({ payload: { ...decision, customerRef: undefined } });
    expect(await err).toContain("'customerRef'");
    // the count of rejected actions stays on the node instead of the last error's text
    expect(status.all).toEqual([
      { fill: 'yellow', shape: 'dot', text: 'channel-action.status.counted-rejected' },
    ]);
  });
});

describe('channel-action with an escalation', () => {
  const escalation = {
    decisionId: 'e'.repeat(32),
    policyId: 'second-complaint-escalation',
    cardVersion: { number: 1, hash: '0123456789abcdef' },
    priority: 90,
    action: 'escalation',
    channel: 'regional-manager',
    customerRef: 'crm:0004712',
    eventId: 'c-2',
    decidedAt: '2026-11-24T10:00:00.000Z',
    expiresAt: '2026-11-26T10:00:00.000Z',
    title: { en: 'Second complaint', de: 'Zweite Beschwerde' },
    escalation: { processId: 'p-1', level: 1, levels: 3, until: ['complaint-answered'] },
  };

  it('carries the level of the case on the action, for the mail to say which level it is', async () => {
    await load(all, [
      { id: 'store', type: 'hub-store', databaseUrl: '', directory: tempDir('store') },
      { id: 'act', type: 'channel-action', store: 'store', wires: [['out']] },
      { id: 'out', type: 'helper' },
    ]);
    const out = nextInput<{ payload: ActionRecord; decisionId: string; traceparent: string }>('out');
    helper.getNode('act').receive({ payload: { ...escalation, escalation: { ...escalation.escalation } } });
    const msg = await out;
    expect(msg.payload).toMatchObject({
      offerId: escalation.decisionId,
      action: 'escalation',
      channel: 'regional-manager',
      escalation: { processId: 'p-1', level: 1, levels: 3, until: ['complaint-answered'] },
    });
    // and on crm.actions, the body a CRM connector reads
    const published = actionPublication(escalation, msg.payload, undefined, {
      policyId: escalation.policyId,
      decisionId: msg.decisionId,
      traceparent: msg.traceparent,
    });
    expect(published.message).toMatchObject({
      channel: 'internal',
      to: 'regional-manager',
      escalation: { processId: 'p-1', level: 1, levels: 3, until: ['complaint-answered'] },
    });
    // a decision without a ladder carries none
    expect(actionToOffer(decision, new Date())).not.toHaveProperty('escalation');
  });

  it('refuses an escalation it cannot read, naming the field', async () => {
    await load(all, [
      { id: 'store', type: 'hub-store', databaseUrl: '', directory: tempDir('store') },
      { id: 'act', type: 'channel-action', store: 'store', wires: [[]] },
    ]);
    const err = nextError('act');
    helper.getNode('act').receive({
      payload: { ...escalation, escalation: { ...escalation.escalation, level: 'two' } },
    });
    expect(await err).toContain("'escalation.level'");
  });
});

describe('channel-action config versions', () => {
  it('reads a config saved before versions existed in the current shape and acts with it', async () => {
    const saved = { id: 'act', type: 'channel-action', name: 'offers', store: 'store' };
    expect(migrate(saved, migrations)).toEqual({ ...saved, broker: '', version: 2 });
    // version 2 added the optional broker for crm.actions; a version 1 config publishes nothing
    expect(migrate({ ...saved, version: 1 }, migrations)).toEqual({ ...saved, broker: '', version: 2 });
    await load(all, [
      { id: 'store', type: 'hub-store', databaseUrl: '', directory: tempDir('store') },
      { ...saved, wires: [['out']] },
      { id: 'out', type: 'helper' },
    ]);
    const status = watchStatus('act');
    const out = nextInput<{ payload: { offerId: string } }>('out');
    helper.getNode('act').receive({ payload: decision });
    expect((await out).payload.offerId).toBe('d-1');
    expect(status.last()).toEqual({ fill: 'green', shape: 'dot', text: 'channel-action.status.counted' });
  });
});
