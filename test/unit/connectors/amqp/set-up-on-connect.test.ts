import { EventEmitter } from 'node:events';
import type { BusState } from '../../../../connectors/amqp/bus';
import { setUpOnConnect } from '../../../../connectors/amqp/set-up-on-connect';

class FakeBus extends EventEmitter {
  current: BusState = 'connecting';
  state(): BusState {
    return this.current;
  }
  go(state: BusState): void {
    this.current = state;
    this.emit('state', state);
  }
}

/** A run the test settles by hand. */
function controlledRuns() {
  const runs: { resolve: () => void; reject: (err: Error) => void }[] = [];
  const run = () =>
    new Promise<void>((resolve, reject) => {
      runs.push({ resolve, reject });
    });
  return { runs, run };
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('setUpOnConnect', () => {
  it('runs at once, and not again on later connects once it succeeded', async () => {
    const bus = new FakeBus();
    const { runs, run } = controlledRuns();
    const errors: unknown[] = [];
    setUpOnConnect(bus, run, (err) => errors.push(err));
    expect(runs).toHaveLength(1);
    runs[0].resolve();
    await settle();
    bus.go('connected');
    bus.go('disconnected');
    bus.go('connected');
    expect(runs).toHaveLength(1);
    expect(bus.listenerCount('state')).toBe(0);
    expect(errors).toEqual([]);
  });

  it('reports a failed run and runs again on the next connect', async () => {
    const bus = new FakeBus();
    const { runs, run } = controlledRuns();
    const errors: string[] = [];
    setUpOnConnect(bus, run, (err) => errors.push((err as Error).message));
    runs[0].reject(new Error('ECONNREFUSED'));
    await settle();
    expect(errors).toEqual(['ECONNREFUSED']);
    expect(runs).toHaveLength(1);
    bus.go('connected');
    expect(runs).toHaveLength(2);
  });

  it('runs again when the bus connected while the failing run was still under way', async () => {
    // The connection went away under a run and came back before that run gave up: the connect was
    // seen while busy. Without a second run now, the client would wait for a connect that, with the
    // bus up, never comes (a golden-record whose outbox is never drained, a consumer never started).
    const bus = new FakeBus();
    const { runs, run } = controlledRuns();
    setUpOnConnect(bus, run, () => undefined);
    bus.go('disconnected');
    bus.go('connected');
    expect(runs).toHaveLength(1);
    runs[0].reject(new Error('channel closed'));
    await settle();
    expect(runs).toHaveLength(2);
    runs[1].resolve();
    await settle();
    bus.go('connected');
    expect(runs).toHaveLength(2);
  });

  it('does not run again after a failure when the bus is down by then', async () => {
    const bus = new FakeBus();
    const { runs, run } = controlledRuns();
    setUpOnConnect(bus, run, () => undefined);
    bus.go('connected');
    bus.go('disconnected');
    runs[0].reject(new Error('connection closed'));
    await settle();
    expect(runs).toHaveLength(1);
    bus.go('connected');
    expect(runs).toHaveLength(2);
  });

  it('stops: waits for the run under way, tells it so, and never runs again', async () => {
    const bus = new FakeBus();
    let seenStopped: boolean | undefined;
    let release: () => void = () => undefined;
    const run = async (stopped: () => boolean) => {
      await new Promise<void>((resolve) => (release = resolve));
      seenStopped = stopped();
      throw new Error('late failure');
    };
    const errors: unknown[] = [];
    const stop = setUpOnConnect(bus, run, (err) => errors.push(err));
    let stoppedDone = false;
    const stopping = stop().then(() => (stoppedDone = true));
    await settle();
    expect(stoppedDone).toBe(false);
    release();
    await stopping;
    expect(seenStopped).toBe(true);
    // a failure after the stop is nobody's business any more
    expect(errors).toEqual([]);
    bus.go('connected');
    expect(bus.listenerCount('state')).toBe(0);
  });
});
