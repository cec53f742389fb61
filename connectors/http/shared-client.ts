import { EventEmitter } from 'node:events';
import type { CircuitState } from '../resilience';
import {
  ResilientRestClient,
  type RestClientHooks,
  type RestClientOptions,
  type RestRequest,
  type RestResponse,
} from './client';
import { checkBaseUrl } from './request';

export interface SharedRestClientEvents {
  state: [state: CircuitState];
}

/**
 * One outbound REST endpoint shared by its users, the way Node-RED's mqtt-broker shares a connection:
 * the client (agents, breaker) is made when the first user registers and closed when the last one
 * leaves, one circuit breaker guards the endpoint for every user, and each change of the circuit is an
 * event the users show.
 */
export class SharedRestClient extends EventEmitter<SharedRestClientEvents> {
  private readonly users = new Set<string>();
  private client: ResilientRestClient | undefined;

  constructor(
    readonly options: RestClientOptions,
    private readonly hooks: RestClientHooks = {},
  ) {
    super();
    // a wrong base URL shows at deploy, not with the first message
    checkBaseUrl(options.baseUrl);
  }

  /** the circuit; closed while no user is registered */
  get state(): CircuitState {
    return this.client?.breaker.state ?? 'closed';
  }

  get userCount(): number {
    return this.users.size;
  }

  register(user: string): void {
    this.users.add(user);
    if (this.client) return;
    const client = new ResilientRestClient(this.options, this.hooks);
    client.breaker.on('state', (state) => this.emit('state', state));
    this.client = client;
  }

  deregister(user: string): void {
    this.users.delete(user);
    if (this.users.size === 0) this.release();
  }

  request(req: RestRequest): Promise<RestResponse> {
    const client = this.client;
    if (!client)
      return Promise.reject(
        new Error(`the REST client for ${this.options.baseUrl} has no users: it is closed`),
      );
    return client.request(req);
  }

  /** Drops every user and closes the client; for the owner's close. */
  close(): void {
    this.users.clear();
    this.release();
    this.removeAllListeners();
  }

  private release(): void {
    this.client?.close();
    this.client = undefined;
  }
}
