import type { Node, NodeStatus } from 'node-red';
import type { Bus, BusState } from '../../connectors/amqp/bus';
import { statusTextOf } from '../shared/input';
import { showThrottled, statusWords, type RED, type StatusCounts } from '../shared/red';

/** Node-RED's own words for a connection, as amqp-broker's clients show them. */
const BUS_WORDS: Record<Exclude<BusState, 'connected'>, string> = {
  connecting: 'node-red:common.status.connecting',
  disconnected: 'node-red:common.status.disconnected',
  closed: 'amqp-broker.status.closed',
};

export interface GoldenStatus {
  counts: StatusCounts;
  /** after each record taken in or rejected */
  counted(): void;
  /** stops following the store and the bus (on close) */
  stop(): void;
}

/**
 * golden-record's one status line. A broker's "connected" said nothing about the records, and its
 * state changes wiped the counts (and the next count wiped a "disconnected"), so the node shows
 * both in one: "opening the store" until its store is open, then "ready" until the first record,
 * then the counts; with a broker that is not connected, its state beside them in a yellow ring,
 * since records are still taken in and only their publishing on crm.golden waits (outbox).
 */
export function goldenStatus(RED: RED, node: Node, store: Promise<unknown>, bus?: Bus): GoldenStatus {
  const words = statusWords(RED);
  const counts = { ok: 0, failed: 0 };
  let storeState: 'opening' | 'open' | Error = 'opening';
  let busState = bus?.state();
  let busDetail: string | undefined;
  let stopped = false;

  const look = (): NodeStatus => {
    if (storeState instanceof Error) return { fill: 'red', shape: 'ring', text: statusTextOf(storeState) };
    if (storeState === 'opening')
      return { fill: 'yellow', shape: 'ring', text: words('golden-record.status.opening') };
    const { ok, failed } = counts;
    const work =
      ok + failed === 0
        ? undefined
        : words(`golden-record.status.${failed ? 'counted-rejected' : 'counted'}`, { ok, failed });
    if (busState === undefined || busState === 'connected')
      return {
        fill: failed > 0 ? 'yellow' : 'green',
        shape: 'dot',
        text: work ?? words('golden-record.status.ready'),
      };
    const state = RED._(BUS_WORDS[busState]);
    return {
      fill: busState === 'closed' ? 'grey' : 'yellow',
      shape: 'ring',
      text: words('golden-record.status.broker-away', {
        counts: work ?? words('golden-record.status.counted', { ok: 0, failed: 0 }),
        state: busDetail ? `${state}: ${busDetail}` : state,
      }),
    };
  };
  const show = () => {
    if (!stopped) showThrottled(node, look);
  };
  const onState = (state: BusState, detail?: string) => {
    busState = state;
    busDetail = detail;
    show();
  };

  bus?.on('state', onState);
  store.then(
    () => {
      storeState = 'open';
      show();
    },
    (err: unknown) => {
      storeState = err instanceof Error ? err : new Error(String(err));
      show();
    },
  );
  show();
  return {
    counts,
    counted: show,
    stop: () => {
      stopped = true;
      bus?.off('state', onState);
    },
  };
}
