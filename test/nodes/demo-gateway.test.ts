/**
 * The simulated SMS and mail gateway of the shipped Demo tab (flows/hub.json), as shipped: anyone on
 * this machine may post to it, so what it keeps stays bounded.
 */
import fs from 'node:fs';
import path from 'node:path';
import { core, helper, load, useHelper, type FlowNode } from './harness';

const HUB = path.resolve(__dirname, '..', '..', 'flows', 'hub.json');
const shipped = (JSON.parse(fs.readFileSync(HUB, 'utf8')) as FlowNode[]).find((n) => n.id === 'demo-gw');

interface Answer {
  statusCode: number;
  payload: { error?: string; messages?: { body: unknown }[]; accepted?: boolean };
}

useHelper();

async function gatewayFlow(): Promise<(method: string, name: string, body?: unknown) => Promise<Answer>> {
  const flow: FlowNode[] = [
    { id: 'tab-demo', type: 'tab', label: 'Demo' },
    { ...(shipped as FlowNode), z: 'tab-demo', wires: [['reply'], []] },
    { id: 'reply', type: 'helper', z: 'tab-demo', wires: [] },
  ];
  await load([core.fn], flow);
  const gw = helper.getNode('demo-gw');
  const reply = helper.getNode('reply');
  return (method, name, body) =>
    new Promise<Answer>((resolve) => {
      reply.once('input', (msg: Answer) => resolve(msg));
      gw.receive({ payload: body, req: { method, params: { gateway: name }, headers: {} } } as never);
    });
}

describe('the Demo tab’s simulated gateway', () => {
  it('is in the shipped flows', () => {
    expect(shipped).toMatchObject({ type: 'function' });
  });

  it('refuses a body over 64 KiB and keeps nothing of it', async () => {
    const call = await gatewayFlow();
    const big = { text: 'x'.repeat(64 * 1024) };
    const refused = await call('POST', 'sms', big);
    expect([refused.statusCode, refused.payload.error]).toEqual([413, 'payload-too-large']);
    expect((await call('POST', 'sms', 'y'.repeat(64 * 1024 + 1))).statusCode).toBe(413);
    expect((await call('GET', 'sms')).payload.messages).toEqual([]);
    expect((await call('POST', 'sms', { text: 'hello' })).statusCode).toBe(202);
    expect((await call('GET', 'sms')).payload.messages?.map((m) => m.body)).toEqual([{ text: 'hello' }]);
  });

  it('keeps messages for 8 gateway names and refuses a ninth', async () => {
    const call = await gatewayFlow();
    for (let i = 1; i <= 8; i++) expect((await call('POST', `gw-${i}`, { i })).statusCode).toBe(202);
    const ninth = await call('POST', 'gw-9', { i: 9 });
    expect([ninth.statusCode, ninth.payload.error]).toEqual([507, 'too-many-gateways']);
    expect((await call('GET', 'gw-9')).payload.messages).toEqual([]);
    // the names it keeps still take messages
    expect((await call('POST', 'gw-1', { again: true })).statusCode).toBe(202);
  });

  it('keeps at most 256 KiB per gateway, the newest, and at most 50 messages', async () => {
    const call = await gatewayFlow();
    for (let i = 0; i < 10; i++) {
      expect((await call('POST', 'mail', { i, text: 'm'.repeat(60 * 1024) })).statusCode).toBe(202);
    }
    const kept = (await call('GET', 'mail')).payload.messages ?? [];
    expect(kept.map((m) => (m.body as { i: number }).i)).toEqual([6, 7, 8, 9]);
    expect(Buffer.byteLength(JSON.stringify(kept))).toBeLessThanOrEqual(256 * 1024);
    for (let i = 0; i < 60; i++) await call('POST', 'sms', { i });
    const small = (await call('GET', 'sms')).payload.messages ?? [];
    expect(small).toHaveLength(50);
    expect(small[49].body).toEqual({ i: 59 });
  });
});
