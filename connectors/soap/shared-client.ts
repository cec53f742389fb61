import { EventEmitter } from 'node:events';
import { errorMessage } from '../../formats/error-message';
import type { CircuitState } from '../resilience';
import {
  checkSoapUrls,
  defaultSoapClientPool,
  listWsdlOperations,
  ResilientSoapClient,
  type CallOutcome,
  type OperationInfo,
  type ResilienceOptions,
  type ResilientCallOptions,
  type SoapClientOptions,
  type SoapClientPool,
} from './client';
import { withoutUserinfo } from './userinfo';

/** loading: the WSDL is on its way; no-wsdl: it failed to load (the next call tries again); else the circuit. */
export type SoapClientState = 'loading' | 'no-wsdl' | CircuitState;

export interface SharedSoapClientEvents {
  state: [state: SoapClientState, detail: string | undefined];
}

/**
 * One outbound SOAP endpoint shared by its users, the way Node-RED's mqtt-broker shares a connection:
 * the WSDL is loaded when the first user registers and released when the last one leaves, one circuit
 * breaker guards the endpoint for every user, and each change of state is an event the users show.
 */
export class SharedSoapClient extends EventEmitter<SharedSoapClientEvents> {
  private readonly users = new Set<string>();
  private client: ResilientSoapClient | undefined;
  private current: SoapClientState = 'loading';
  private detail: string | undefined;

  constructor(
    readonly options: SoapClientOptions,
    private readonly resilience: ResilienceOptions,
    private readonly pool: SoapClientPool = defaultSoapClientPool,
  ) {
    super();
    // at deploy, so the owner reports an invalid configuration rather than a WSDL that failed to load
    checkSoapUrls(options);
  }

  get state(): SoapClientState {
    return this.current;
  }

  /** why the WSDL did not load, while the state is no-wsdl */
  get reason(): string | undefined {
    return this.detail;
  }

  get userCount(): number {
    return this.users.size;
  }

  /** the breaker of the loaded client; undefined while no user is registered */
  get breakerState(): CircuitState | undefined {
    return this.client?.breaker.state;
  }

  register(user: string): void {
    this.users.add(user);
    if (!this.client) this.open();
  }

  deregister(user: string): void {
    this.users.delete(user);
    if (this.users.size === 0) this.release();
  }

  async call(operation: string, payload: unknown, options: ResilientCallOptions = {}): Promise<CallOutcome> {
    const client = this.client;
    if (!client)
      throw new Error(`the SOAP client for ${withoutUserinfo(this.options.wsdl)} has no users: it is closed`);
    try {
      return await client.call(operation, payload, options);
    } finally {
      // a WSDL that failed at deploy may have loaded with this call
      if (client === this.client && client.loaded) this.set(client.breaker.state);
    }
  }

  listOperations(): Promise<OperationInfo[]> {
    return listWsdlOperations(this.options, this.pool);
  }

  /** Drops every user and the loaded WSDL; for the owner's close. */
  close(): void {
    this.users.clear();
    this.release();
    this.removeAllListeners();
  }

  private open(): void {
    const client = new ResilientSoapClient(this.pool, this.options, this.resilience);
    this.client = client;
    client.breaker.on('state', (state) => this.set(state));
    this.set('loading');
    client.soapClient().then(
      () => {
        if (this.client === client) this.set(client.breaker.state);
      },
      (err: unknown) => {
        if (this.client === client) this.set('no-wsdl', withoutUserinfo(errorMessage(err)));
      },
    );
  }

  private release(): void {
    this.client?.close();
    this.client = undefined;
    this.current = 'loading';
    this.detail = undefined;
  }

  private set(state: SoapClientState, detail?: string): void {
    if (state === this.current && detail === this.detail) return;
    this.current = state;
    this.detail = detail;
    this.emit('state', state, detail);
  }
}
