import { hooks } from '@node-red/util';
import type { RED } from '../../../nodes/shared/red';
import { completionTracker } from '../../../nodes/amqp-in/completion-hooks';

/**
 * The hook events Node-RED 4 raises for a message from amqp-in through a link call (60-link.js):
 * the link call hands the message to its link in with receive(), no send, and calls done() only when
 * the link out (return) answers. The tracker must not settle while any node still holds the message.
 */
describe('amqp-in completion through nodes handed a message without a send', () => {
  // the parts of RED completionTracker reads; hooks.trigger is Node-RED's, missing from its types
  const red = {
    hooks,
    settings: {},
    events: { on: () => undefined, off: () => undefined },
    // every node of these tests is running but 'gone', which a redeploy stopped
    nodes: { getNode: (id: string) => (id === 'gone' ? null : { id }), eachNode: () => undefined },
    _: (key: string) => key,
  };
  const tracker = completionTracker(red as unknown as RED);
  const trigger = (
    hooks as unknown as { trigger: (name: string, payload: unknown, done: () => void) => void }
  ).trigger;
  const msg = { _msgid: 'm-link' };
  const send = (n = 1) =>
    trigger(
      'onSend',
      Array.from({ length: n }, () => ({ msg, destination: { id: 'next' } })),
      () => undefined,
    );
  const receive = () => trigger('onReceive', { msg }, () => undefined);
  const complete = () => trigger('onComplete', { msg }, () => undefined);

  afterAll(() => hooks.remove('*.crm-hub-amqp-in'));

  it('link call → link in → slow node → link out (return) → link call → next node', () => {
    const settled: string[] = [];
    tracker.track(msg._msgid, { ack: () => settled.push('ack'), fail: (r) => settled.push(r) }, 60000);
    send(); // amqp-in → link call
    receive(); // link call gets it
    receive(); // link call: linkIn.receive(msg)
    send(); // link in → slow node
    complete(); // link in done
    receive(); // slow node gets it
    expect(settled).toEqual([]);
    send(); // slow node → link out
    complete(); // slow node done
    receive(); // link out gets it; returnLinkMessage: the link call sends on and calls done
    send(); // link call → next node
    complete(); // link call done
    complete(); // link out done
    expect(settled).toEqual([]);
    receive(); // next node (a publish, a SOAP call) gets it
    expect(settled).toEqual([]);
    complete();
    expect(settled).toEqual(['ack']);
  });

  it('a Catch node handed the failure does not settle the message before the failure counts', () => {
    const settled: string[] = [];
    tracker.track('m-catch', { ack: () => settled.push('ack'), fail: (r) => settled.push(r) }, 60000);
    const m = { _msgid: 'm-catch' };
    trigger('onSend', [{ msg: m, destination: { id: 'failing' } }], () => undefined); // amqp-in → failing node
    trigger('onReceive', { msg: m }, () => undefined);
    trigger('onReceive', { msg: m }, () => undefined); // its done(err) hands the error to Catch
    trigger('onComplete', { msg: m }, () => undefined); // Catch (nothing wired) is done
    expect(settled).toEqual([]);
    trigger('onComplete', { msg: m, error: new Error('boom') }, () => undefined);
    expect(settled).toEqual(['boom']);
  });

  it('a copy sent to a node that is gone settles the message at once, seen in onSend alone', () => {
    const settled: string[] = [];
    const settle = { ack: () => settled.push('ack'), fail: (r: string) => settled.push(r) };
    tracker.track('m-gone', { ...settle, dropped: (r) => settled.push(`dropped: ${r}`) }, 60000);
    const m = { _msgid: 'm-gone' };
    trigger('onSend', [{ msg: m, destination: { id: 'gone' } }], () => undefined);
    expect(settled).toEqual(['dropped: amqp-in.errors.dropped']);
    // no preRoute hook: Node-RED skips the whole hook stage for every copy when none is registered
    expect(hooks.has('preRoute')).toBe(false);
  });
});
