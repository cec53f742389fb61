import type { Node, NodeStatus } from 'node-red';
import type { Bus, BusState } from '../../connectors/amqp/bus';
import { statusTextOf } from './input';
import { showThrottled, statusWords, type RED, type StatusCounts } from './red';

/** Node-RED's own words for a connection, as amqp-broker's clients show them. */
const BUS_WORDS: Record<Exclude<BusState, 'connected'>, string> = {
  connecting: 'node-red:common.status.connecting',
  disconnected: 'node-red:common.status.disconnected',
  closed: 'amqp-broker.status.closed',
};

export interface BusCountStatus {
  counts: StatusCounts;
  /** after each record taken in or rejected */
  counted(): void;
  /** stops following the store and the bus (on close) */
  stop(): void;
}

/**
 * The one status line of a node that works through the bus and counts what it did (golden-record,
 * amqp-out). A broker's "connected" said nothing about the work, and its state changes wiped the counts
 * (and the next count wiped a "disconnected"), so the node shows both in one: with a store, "opening
 * the store" until it is open (red with the reason if it cannot be); "ready" until the first message,
 * then the counts; with a broker that is not connected, its state beside them in a ring: yellow while
 * it connects, or when the node keeps working meanwhile (golden-record's outbox holds the changes),
 * else red. The words are the node type's: status.opening, ready, counted, counted-rejected and
 * broker-away.
 */
export function busCountStatus(
  RED: RED,
  node: Node,
  type: string,
  {
    store,
    bus,
    outbox = false,
  }: {
    store?: Promise<unknown>;
    bus?: Bus;
    /** the node's work is kept while the broker is away and goes out when it is back */
    outbox?: boolean;
  },
): BusCountStatus {
  const words = statusWords(RED);
  const counts = { ok: 0, failed: 0 };
  let storeState: 'opening' | 'open' | Error = store ? 'opening' : 'open';
  let busState = bus?.state();
  let busDetail: string | undefined;
  let stopped = false;

  const look = (): NodeStatus => {
    if (storeState instanceof Error) return { fill: 'red', shape: 'ring', text: statusTextOf(storeState) };
    if (storeState === 'opening')
      return { fill: 'yellow', shape: 'ring', text: words(`${type}.status.opening`) };
    const { ok, failed } = counts;
    const work =
      ok + failed === 0
        ? undefined
        : words(`${type}.status.${failed ? 'counted-rejected' : 'counted'}`, { ok, failed });
    if (busState === undefined || busState === 'connected')
      return {
        fill: failed > 0 ? 'yellow' : 'green',
        shape: 'dot',
        text: work ?? words(`${type}.status.ready`),
      };
    const state = RED._(BUS_WORDS[busState]);
    return {
      fill: busState === 'closed' ? 'grey' : busState === 'connecting' || outbox ? 'yellow' : 'red',
      shape: 'ring',
      text: words(`${type}.status.broker-away`, {
        counts: work ?? words(`${type}.status.counted`, { ok: 0, failed: 0 }),
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
  store?.then(
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
