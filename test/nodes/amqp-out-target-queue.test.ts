import { randomUUID } from 'node:crypto';
import amqplib from 'amqplib';
import { createVhost, deleteVhost, eventually } from '../e2e/hub-process';
import { all, helper, load, nextError, nextInput, useHelper, type FlowNode } from './harness';
import { amqpOutToQueue, sinkNode } from './amqp-test-nodes';

/**
 * amqp-out declares a record-sync target queue (crm.out.<system>) once. A queue deleted under the
 * running hub (an operator's delete_queue, a vhost restored without it) made every later update for
 * that target come back unroutable and go to the dead letters, until the hub restarted: 20 of 20
 * SAP updates for Siebel in a run that deleted crm.out.siebel.
 */
useHelper();
const nodes = [...all, sinkNode];

let vhost = '';
let url = '';
beforeEach(() => {
  vhost = `crm-hub-out-target-${randomUUID().slice(0, 8)}`;
  url = createVhost(vhost);
});
afterEach(() => deleteVhost(vhost));

const flow = (): FlowNode[] => [
  { id: 'broker', type: 'amqp-broker', urls: url, heartbeat: '30', version: 2 },
  ...amqpOutToQueue('crm.out.siebel'),
];

it('declares a deleted target queue again and delivers into it, instead of dead-lettering as unroutable', async () => {
  await load(nodes, flow());
  const out = helper.getNode('out');
  const send = (messageId: string) => {
    const sent = nextInput<{ amqp: { messageId: string } }>('sent');
    const failed = nextError('out').then((error) => ({ error }));
    out.receive({ payload: `<Contact>${messageId}</Contact>`, messageId } as never);
    return Promise.race([sent, failed]);
  };
  expect(await send('update-1')).toMatchObject({ amqp: { messageId: 'update-1' } });

  const connection = await amqplib.connect(url);
  try {
    const channel = await connection.createChannel();
    await channel.deleteQueue('crm.out.siebel');

    expect(await send('update-2')).toMatchObject({ amqp: { messageId: 'update-2' } });
    const m = await eventually(async () => (await channel.get('crm.out.siebel')) || undefined, 'the update');
    expect(m.properties.messageId).toBe('update-2');
    await channel.checkQueue('crm.out.siebel.retry.5s');
  } finally {
    await connection.close();
  }
}, 30000);

it('says which queue does not exist and what to do, for a queue typed in that is not there', async () => {
  await load(nodes, [
    { id: 'broker', type: 'amqp-broker', urls: url, heartbeat: '30', version: 2 },
    ...amqpOutToQueue('crm.nothere'),
  ]);
  const failed = new Promise<unknown>((resolve) =>
    helper.getNode('out').once('call:error', (call: { args: unknown[] }) => resolve(call.args[0])),
  );
  helper.getNode('out').receive({ payload: { any: 'thing' }, messageId: 'm-1' } as never);
  const error = await failed;
  // still an unroutable BusError (msg.error.code), now in the integrator's words: the queue, not exchange ''
  expect(error).toMatchObject({ name: 'BusError', kind: 'unroutable', code: 'unroutable', replyCode: 312 });
  expect(String((error as Error).message)).toMatch(/^amqp-out\.errors\.no-such-queue/);
});
