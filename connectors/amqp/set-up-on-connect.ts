import type { BusState } from './bus';

/** What setUpOnConnect needs of a bus: its state and the event that says it changed. */
export interface BusStateSource {
  state(): BusState;
  on(event: 'state', listener: (state: BusState) => void): unknown;
  off(event: 'state', listener: (state: BusState) => void): unknown;
}

/**
 * Runs a client's setup (declare, consume) now, and again each time the bus connects, until one run
 * has succeeded. Returns a function that stops trying and resolves once a run under way has finished,
 * so what it set up can be undone.
 *
 * A connect that comes while a run is still under way is not dropped: if that run fails, the next
 * one starts at once. Otherwise a run that failed because the connection went away (and came back
 * while it was failing) would wait for a connect that, with the bus now up, never comes.
 */
export function setUpOnConnect(
  bus: BusStateSource,
  run: (stopped: () => boolean) => Promise<void>,
  onError: (err: unknown) => void,
): () => Promise<void> {
  let finished = false;
  /** for the stop function to wait on; may be a run already finished */
  let running: Promise<void> | undefined;
  /** a run is under way: set before it starts, cleared in the same step as its outcome */
  let busy = false;
  let connectedMeanwhile = false;
  const stopped = () => finished;

  const start = () => {
    connectedMeanwhile = false;
    busy = true;
    running = attempt();
  };
  const attempt = async () => {
    try {
      await run(stopped);
      if (!finished) {
        finished = true;
        bus.off('state', onState);
      }
    } catch (err) {
      if (!finished) onError(err);
    } finally {
      // in the same step as the outcome, so a connect in the next tick starts a new run
      busy = false;
    }
    if (!finished && connectedMeanwhile && bus.state() === 'connected') start();
  };
  const onState = (state: BusState) => {
    if (state !== 'connected' || finished) return;
    if (busy) connectedMeanwhile = true;
    else start();
  };

  bus.on('state', onState);
  start();
  return async () => {
    finished = true;
    bus.off('state', onState);
    await running;
  };
}
