import { withTimeout } from '../../formats/with-timeout';

/**
 * What /healthz reports: one entry per bus, store, SOAP service and queue consumer the deployed flows
 * use, plus the flow state. A consumer is healthy once its queue is declared, bound and consumed:
 * until then a message published to its exchange has nowhere to go (the hub publishes mandatory, so
 * the publisher is told), and a load balancer that waits for 200 sends no traffic before it.
 */
export interface ComponentHealth {
  id: string;
  name: string;
  kind: string;
  ok: boolean;
  state: string;
  detail: string;
}

export interface HealthReport {
  status: 'ok' | 'degraded';
  bus: ComponentHealth[];
  store: ComponentHealth[];
  /** SOAP services; one whose WSDL could not be served is listed as failed */
  soap: ComponentHealth[];
  /** amqp-in nodes: ok once their queue is bound and consumed */
  consumers: ComponentHealth[];
  flows: { state: string; since: string };
  uptimeSeconds: number;
}

export type HealthProbe = () => Promise<ComponentHealth>;

/**
 * An amqp-in consumer as /healthz lists it. A subscription outlives a lost connection (the bus consumes
 * again when it reconnects), so it consumes only while its bus is connected.
 */
export function consumerHealth(consumer: {
  id: string;
  name: string;
  queue: string;
  subscribed: boolean;
  busState: string;
  /** the last reason the consume failed, while it is not subscribed */
  consumeError?: string;
}): ComponentHealth {
  const { id, name, queue, subscribed, busState, consumeError } = consumer;
  const base = { id, name, kind: 'amqp-in' };
  if (!subscribed)
    return {
      ...base,
      ok: false,
      state: 'waiting',
      detail: `not consuming ${queue} yet${consumeError ? `: ${consumeError}` : ''}`,
    };
  if (busState !== 'connected')
    return {
      ...base,
      ok: false,
      state: 'disconnected',
      detail: `not consuming ${queue}: the broker is ${busState}`,
    };
  return { ...base, ok: true, state: 'consuming', detail: `consuming ${queue}` };
}

export class HealthRegistry {
  private readonly buses = new Map<string, HealthProbe>();
  private readonly stores = new Map<string, HealthProbe>();
  /** hub-store nodes whose settings cannot be used: they will not open before a redeploy */
  private readonly unusableStores = new Set<string>();
  private readonly soapServices = new Map<string, HealthProbe>();
  private readonly consumers = new Map<string, HealthProbe>();
  private flowState = { state: 'stopped', since: new Date().toISOString() };

  addBus(id: string, probe: HealthProbe): void {
    this.buses.set(id, probe);
  }

  addStore(id: string, probe: HealthProbe, options: { unusable?: boolean } = {}): void {
    this.stores.set(id, probe);
    if (options.unusable) this.unusableStores.add(id);
    else this.unusableStores.delete(id);
  }

  /** whether a hub-store node is deployed, whether or not its database was reached */
  storeDeployed(): boolean {
    return this.stores.size > 0;
  }

  /**
   * whether hub-store nodes are deployed and none of them can ever open: each has settings it cannot
   * use (a URL of another database), so waiting will not help, fixing them and redeploying will
   */
  storeMisconfigured(): boolean {
    return this.stores.size > 0 && [...this.stores.keys()].every((id) => this.unusableStores.has(id));
  }

  addSoapService(id: string, probe: HealthProbe): void {
    this.soapServices.set(id, probe);
  }

  addConsumer(id: string, probe: HealthProbe): void {
    this.consumers.set(id, probe);
  }

  remove(id: string): void {
    this.buses.delete(id);
    this.stores.delete(id);
    this.unusableStores.delete(id);
    this.soapServices.delete(id);
    this.consumers.delete(id);
  }

  /**
   * The runtime's flow state: 'starting', 'started', 'stopping' or 'stopped'. Only 'started' is
   * healthy: while flows stop or start their nodes deregister or have not registered yet, so the lists
   * are short or empty and say nothing about what a deployed flow needs.
   */
  setFlowState(state: string): void {
    this.flowState = { state, since: new Date().toISOString() };
  }

  /** the flow state as /healthz reports it */
  flows(): { state: string; since: string } {
    return this.flowState;
  }

  async report(): Promise<HealthReport> {
    const run = (probes: Map<string, HealthProbe>) =>
      Promise.all(
        [...probes.entries()].map(([id, probe]) =>
          withTimeout(probe(), 2000, () => new Error('no answer within 2000 ms')).catch(
            (err: Error): ComponentHealth => ({
              id,
              name: id,
              kind: 'unknown',
              ok: false,
              state: 'error',
              detail: err.message,
            }),
          ),
        ),
      );
    const [bus, store, soap, consumers] = await Promise.all([
      run(this.buses),
      run(this.stores),
      run(this.soapServices),
      run(this.consumers),
    ]);
    const ok =
      [...bus, ...store, ...soap, ...consumers].every((c) => c.ok) && this.flowState.state === 'started';
    return {
      status: ok ? 'ok' : 'degraded',
      bus,
      store,
      soap,
      consumers,
      flows: this.flowState,
      uptimeSeconds: Math.round(process.uptime()),
    };
  }
}
