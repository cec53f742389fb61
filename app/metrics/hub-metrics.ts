import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

/**
 * What GET /metrics serves, in Prometheus text (exposition format 0.0.4): Node's and the process's
 * default metrics (prom-client's), and the hub's own. The hot paths only add to plain numbers in the
 * meters below (no label lookup, no allocation per message); the exposition reads them when a scrape
 * comes. Label values are bounded: queue and node names and operations come from the deployed flows,
 * policy ids from the deployed cards, reasons and outcomes from fixed sets, HTTP routes are templates.
 * Never a customer id, message id or free text.
 */

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Why amqp-in sent a message to the dead-letter exchange. */
export const DEAD_LETTER_REASONS = ['undecodable', 'refused', 'flow-error', 'timeout'] as const;
export type DeadLetterReason = (typeof DEAD_LETTER_REASONS)[number];

/** How a confirmed publish failed: the bus's error kinds (connectors/amqp/bus-error.ts), else `other`. */
export const PUBLISH_FAILURES = [
  'nacked',
  'unroutable',
  'outcome-unknown',
  'not-connected',
  'closed',
  'refused',
  'misconfigured',
  'blocked',
  'other',
] as const;
export type PublishFailure = (typeof PUBLISH_FAILURES)[number];

/** One amqp-in node's counts (kept by queue and node name, so a redeploy goes on counting). */
export class InboundMeter {
  received = 0;
  acked = 0;
  /** handed back to the queue: a closing flow, a bus or store away for the moment, a dead letter refused */
  requeued = 0;
  /**
   * a record-sync target's failure sent down the retry ladder: in a retry queue, back after its delay
   * (the last step's failure counts as a dead letter instead)
   */
  retried = 0;
  /** in the flow, not settled yet */
  inFlight = 0;
  readonly deadLettered: Record<DeadLetterReason, number> = {
    undecodable: 0,
    refused: 0,
    'flow-error': 0,
    timeout: 0,
  };

  /** What `admit` (connectors/amqp/inbound.ts) did before the flow: a duplicate acked, a dead letter. */
  admitted(kind: 'accepted' | 'duplicate' | 'undecodable' | 'refused'): void {
    if (kind === 'duplicate') this.acked += 1;
    else if (kind !== 'accepted') this.deadLettered[kind] += 1;
  }

  /** How a message the flow had was settled; `reason` counts a dead letter. */
  settled(
    outcome: 'acked' | 'acked-unrecorded' | 'dead-lettered' | 'requeued',
    reason: DeadLetterReason,
  ): void {
    if (outcome === 'dead-lettered') this.deadLettered[reason] += 1;
    else if (outcome === 'requeued') this.requeued += 1;
    else this.acked += 1;
  }
}

/** One amqp-out node's counts. */
export class OutboundMeter {
  published = 0;
  readonly failed: Record<PublishFailure, number> = {
    nacked: 0,
    unroutable: 0,
    'outcome-unknown': 0,
    'not-connected': 0,
    closed: 0,
    refused: 0,
    misconfigured: 0,
    blocked: 0,
    other: 0,
  };

  /** `kind`: the error's kind (BusError), anything else counts as `other` */
  fail(kind: unknown): void {
    const known = typeof kind === 'string' && Object.hasOwn(this.failed, kind);
    this.failed[known ? (kind as PublishFailure) : 'other'] += 1;
  }
}

/** What the hub's components say at scrape time (app/api/health.ts's report, in short). */
export interface ComponentStates {
  bus: { name: string; ok: boolean }[];
  store: { name: string; ok: boolean }[];
}

/** Per policy, since the process started: fires and suppressions by reason (policies/registry.ts). */
export type PolicyTotals = ReadonlyMap<
  string,
  { fired: number; suppressed: Readonly<Partial<Record<string, number>>> }
>;

/** Per SOAP service and operation, since the process started (connectors/soap/soap-server.ts). */
export interface SoapCounts {
  service: string;
  operation: string;
  calls: number;
  clientFaults: number;
  serverFaults: number;
}

export interface HubMetricsSources {
  components?: () => Promise<ComponentStates>;
  policies?: () => PolicyTotals;
  soap?: () => readonly SoapCounts[];
}

const HTTP_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;

export class HubMetrics {
  readonly registry = new Registry();
  private readonly inbound = new Map<string, { queue: string; node: string; meter: InboundMeter }>();
  private readonly outbound = new Map<string, { exchange: string; node: string; meter: OutboundMeter }>();
  /** route template → method → status class → count */
  private readonly http = new Map<string, number[]>();
  /** node inputs that failed because the store could not be reached */
  storeUnavailable = 0;
  /** golden-record intakes that changed a golden record */
  goldenApplied = 0;
  /** golden-record events published to the bus, by type */
  readonly goldenEvents: Record<'golden.changed' | 'golden.merged' | 'golden.unmerged', number> = {
    'golden.changed': 0,
    'golden.merged': 0,
    'golden.unmerged': 0,
  };
  private sources: HubMetricsSources = {};

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
    this.define();
  }

  /** Where the scrape-time metrics come from; the glue sets them once the runtime exists. */
  use(sources: HubMetricsSources): void {
    this.sources = { ...this.sources, ...sources };
  }

  /** The meter an amqp-in node adds to; the same one for the same queue and node name. */
  amqpIn(queue: string, node: string): InboundMeter {
    const key = `${queue}\u0000${node}`;
    let known = this.inbound.get(key);
    if (!known) {
      known = { queue, node, meter: new InboundMeter() };
      this.inbound.set(key, known);
    }
    return known.meter;
  }

  /** The meter an amqp-out node adds to; the same one for the same exchange and node name. */
  amqpOut(exchange: string, node: string): OutboundMeter {
    const key = `${exchange}\u0000${node}`;
    let known = this.outbound.get(key);
    if (!known) {
      known = { exchange, node, meter: new OutboundMeter() };
      this.outbound.set(key, known);
    }
    return known.meter;
  }

  /** An answered request of the REST API; `route` is the template (`/api/v1/customers/:id`), never the path. */
  httpRequest(route: string, method: string, status: number): void {
    const key = `${route} ${method}`;
    let counts = this.http.get(key);
    if (!counts) {
      counts = [0, 0, 0, 0, 0];
      this.http.set(key, counts);
    }
    const at = Math.floor(status / 100) - 1;
    if (at >= 0 && at < counts.length) counts[at] += 1;
  }

  /** What the golden-record node applied (records/golden-intake.ts): the intake and its golden events. */
  goldenIntake(golden: { status: string; events?: readonly { type: string }[] } | undefined): void {
    if (golden?.status !== 'applied') return;
    this.goldenApplied += 1;
    for (const event of golden.events ?? []) {
      if (Object.hasOwn(this.goldenEvents, event.type))
        this.goldenEvents[event.type as keyof HubMetrics['goldenEvents']] += 1;
    }
  }

  /** The Prometheus text of every metric. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  private define(): void {
    const registers = [this.registry];
    const inbound = () => [...this.inbound.values()];
    const outbound = () => [...this.outbound.values()];
    counter(
      registers,
      'crm_hub_amqp_in_received_total',
      'Messages amqp-in received from its queue.',
      ['queue', 'node'],
      (c) => {
        for (const { queue, node, meter } of inbound()) c.inc({ queue, node }, meter.received);
      },
    );
    counter(
      registers,
      'crm_hub_amqp_in_acked_total',
      'Messages amqp-in acknowledged (handled, or a duplicate skipped).',
      ['queue', 'node'],
      (c) => {
        for (const { queue, node, meter } of inbound()) c.inc({ queue, node }, meter.acked);
      },
    );
    counter(
      registers,
      'crm_hub_amqp_in_dead_lettered_total',
      'Messages amqp-in sent to the dead-letter exchange, by reason: undecodable, refused (the event id screen), flow-error, timeout.',
      ['queue', 'node', 'reason'],
      (c) => {
        for (const { queue, node, meter } of inbound())
          for (const reason of DEAD_LETTER_REASONS)
            c.inc({ queue, node, reason }, meter.deadLettered[reason]);
      },
    );
    counter(
      registers,
      'crm_hub_amqp_in_requeued_total',
      'Messages amqp-in handed back to the queue to be delivered again (the bus or store away, the flow closing).',
      ['queue', 'node'],
      (c) => {
        for (const { queue, node, meter } of inbound()) c.inc({ queue, node }, meter.requeued);
      },
    );
    counter(
      registers,
      'crm_hub_amqp_in_retried_total',
      'Messages of a record-sync target queue (crm.out.<system>) amqp-in sent to the next retry queue after the flow failed, to come back after its delay.',
      ['queue', 'node'],
      (c) => {
        for (const { queue, node, meter } of inbound()) c.inc({ queue, node }, meter.retried);
      },
    );
    gauge(
      registers,
      'crm_hub_amqp_in_in_flight',
      'Messages amqp-in has in the flow, not settled yet.',
      ['queue', 'node'],
      (g) => {
        for (const { queue, node, meter } of inbound()) g.set({ queue, node }, meter.inFlight);
      },
    );
    counter(
      registers,
      'crm_hub_amqp_out_published_total',
      'Messages amqp-out published and the broker confirmed.',
      ['exchange', 'node'],
      (c) => {
        for (const { exchange, node, meter } of outbound()) c.inc({ exchange, node }, meter.published);
      },
    );
    counter(
      registers,
      'crm_hub_amqp_out_failed_total',
      'Publishes of amqp-out that failed, by kind: nacked, unroutable, outcome-unknown (no confirm), not-connected, closed, refused, misconfigured, blocked, other.',
      ['exchange', 'node', 'kind'],
      (c) => {
        for (const { exchange, node, meter } of outbound())
          for (const kind of PUBLISH_FAILURES) c.inc({ exchange, node, kind }, meter.failed[kind]);
      },
    );
    const components = async (): Promise<ComponentStates> =>
      (await this.sources.components?.()) ?? { bus: [], store: [] };
    gauge(
      registers,
      'crm_hub_bus_connected',
      '1 while the broker (amqp-broker node) is connected, else 0.',
      ['broker'],
      async (g) => {
        for (const bus of (await components()).bus) g.set({ broker: bus.name }, bus.ok ? 1 : 0);
      },
    );
    gauge(
      registers,
      'crm_hub_store_available',
      '1 while the store (hub-store node) is open and reachable, else 0.',
      ['store'],
      async (g) => {
        for (const store of (await components()).store) g.set({ store: store.name }, store.ok ? 1 : 0);
      },
    );
    counter(
      registers,
      'crm_hub_store_unavailable_errors_total',
      'Node inputs that failed because the store could not be reached.',
      [],
      (c) => c.inc(this.storeUnavailable),
    );
    counter(registers, 'crm_hub_policy_fired_total', 'Decisions a policy card fired.', ['policy'], (c) => {
      for (const [policy, totals] of this.sources.policies?.() ?? []) c.inc({ policy }, totals.fired);
    });
    counter(
      registers,
      'crm_hub_policy_suppressed_total',
      'Decisions of a policy card held back, by the engine outcome: capped, cooldown, out-of-schedule, switched-off, holdout, arbitration-lost.',
      ['policy', 'reason'],
      (c) => {
        for (const [policy, totals] of this.sources.policies?.() ?? [])
          for (const [reason, count] of Object.entries(totals.suppressed))
            c.inc({ policy, reason }, count ?? 0);
      },
    );
    counter(
      registers,
      'crm_hub_golden_applied_total',
      'Records and events the golden-record node applied to golden records.',
      [],
      (c) => c.inc(this.goldenApplied),
    );
    counter(
      registers,
      'crm_hub_golden_events_total',
      'Golden-record changes, by type: golden.changed, golden.merged, golden.unmerged.',
      ['type'],
      (c) => {
        for (const [type, count] of Object.entries(this.goldenEvents)) c.inc({ type }, count);
      },
    );
    counter(
      registers,
      'crm_hub_http_requests_total',
      'Requests the REST API answered, by route template, method and status class.',
      ['route', 'method', 'status_class'],
      (c) => {
        for (const [key, counts] of this.http) {
          const at = key.lastIndexOf(' ');
          const route = key.slice(0, at);
          const method = key.slice(at + 1);
          counts.forEach((count, i) => {
            if (count > 0) c.inc({ route, method, status_class: HTTP_CLASSES[i] }, count);
          });
        }
      },
    );
    counter(
      registers,
      'crm_hub_soap_requests_total',
      'SOAP calls, by service and operation.',
      ['service', 'operation'],
      (c) => {
        for (const s of this.sources.soap?.() ?? [])
          c.inc({ service: s.service, operation: s.operation }, s.calls);
      },
    );
    counter(
      registers,
      'crm_hub_soap_faults_total',
      'SOAP faults answered, by service, operation (unknown before one was read) and code: client or server.',
      ['service', 'operation', 'code'],
      (c) => {
        for (const s of this.sources.soap?.() ?? []) {
          c.inc({ service: s.service, operation: s.operation, code: 'client' }, s.clientFaults);
          c.inc({ service: s.service, operation: s.operation, code: 'server' }, s.serverFaults);
        }
      },
    );
  }
}

type Registers = Registry[];

/** A counter whose values are read from the meters at scrape time. */
function counter<L extends string>(
  registers: Registers,
  name: string,
  help: string,
  labelNames: L[],
  read: (c: Counter<L>) => void,
): void {
  new Counter<L>({
    name,
    help,
    labelNames,
    registers,
    collect() {
      this.reset();
      read(this);
    },
  });
}

function gauge<L extends string>(
  registers: Registers,
  name: string,
  help: string,
  labelNames: L[],
  read: (g: Gauge<L>) => void | Promise<void>,
): void {
  new Gauge<L>({
    name,
    help,
    labelNames,
    registers,
    async collect() {
      // read first, reset after: a scrape that comes meanwhile never sees the series empty
      const values = new Gauge<L>({ name: `${name}_scratch`, help, labelNames, registers: [] });
      await read(values);
      this.reset();
      for (const { labels, value } of (await values.get()).values)
        this.set(labels as Partial<Record<L, string | number>>, value);
    },
  });
}

/** One per process: the nodes feed it, GET /metrics reads it. */
export const hubMetrics = new HubMetrics();
