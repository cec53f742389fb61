import { all, helper, load, loggedWarnings, useHelper } from './harness';
import { sinkNode, whenStatus } from './amqp-test-nodes';

useHelper();

/** What the runtime logged at info level (RED.log.info), oldest first. */
function loggedInfo(): string[] {
  const spy = helper.log() as unknown as { args: { level: number; msg?: unknown }[][] };
  return spy.args
    .map((a) => a[0])
    .filter((e) => e && e.level === 40)
    .map((e) => String(e.msg));
}

const broker = { id: 'broker', type: 'amqp-broker', urls: '', heartbeat: '30', version: 2 };
const amqpIn = (id: string, extra: Record<string, unknown>) => ({
  id,
  type: 'amqp-in',
  name: `queue ${id}`,
  broker: 'broker',
  queue: `test.migration-log.${id}`,
  bindings: 'event.#',
  prefetch: '5',
  ack: 'flow',
  timeout: '5000',
  store: '',
  wires: [['got']],
  ...extra,
});

describe('node config migrations at deploy', () => {
  it('logs each migrated node once, from which version to which and what it means', async () => {
    await load(
      [...all, sinkNode],
      [broker, amqpIn('old-in', { version: 1 }), { id: 'got', type: 'amqp-test-sink' }],
    );
    await whenStatus('old-in', 'amqp-in.status.consuming');
    const lines = loggedInfo().filter((l) => l.includes('(old-in)'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('amqp-in "queue old-in" (old-in) was saved by an older version');
    expect(lines[0]).toContain('read as version 4 (was 1)');
    expect(lines[0]).toContain('v4: no delivery limit and no at-least-once dead-lettering');
  });

  it('says that a migrated amqp-in runs without poison-message protection and how to switch it on', async () => {
    await load(
      [...all, sinkNode],
      [
        broker,
        amqpIn('legacy', { version: 1 }),
        amqpIn('current', { version: 4, deliveryLimit: '', atLeastOnce: false }),
        amqpIn('protected', { version: 1, deliveryLimit: '20' }),
        { id: 'got', type: 'amqp-test-sink' },
      ],
    );
    await whenStatus('legacy', 'amqp-in.status.consuming');
    expect(loggedWarnings('legacy')).toContain('amqp-in.warnings.unprotected');
    // chosen on a current node, or a limit set on a migrated one: nothing to warn about
    expect(loggedWarnings('current')).not.toContain('amqp-in.warnings.unprotected');
    expect(loggedWarnings('protected')).not.toContain('amqp-in.warnings.unprotected');
    expect(loggedInfo().some((l) => l.includes('(current)'))).toBe(false);
  });
});
