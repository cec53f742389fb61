/**
 * The bus of a broker configuration that cannot be used (a URL that is no amqp:// URL). Node-RED drops
 * a config node whose constructor throws, and then every node using it finds no broker, installs no
 * input handler and lets each message vanish without a word. This bus stands in instead: every
 * operation fails with the configuration's error, so each message fails visibly (msg.error, Catch)
 * and /healthz reports the broker as down.
 */
import { EventEmitter } from 'node:events';
import type { Bus, BusKind, BusState, Subscription } from './bus';
import { BusError } from './bus-error';

export class UnusableBus extends EventEmitter implements Bus {
  readonly kind: BusKind = 'rabbitmq';

  constructor(private readonly reason: string) {
    super();
  }

  describe(): string {
    return `unusable broker settings: ${this.reason}`;
  }

  state(): BusState {
    return 'disconnected';
  }

  start(): Promise<void> {
    return this.refuse();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  declareExchange(): Promise<void> {
    return this.refuse();
  }

  publish(): Promise<void> {
    return this.refuse();
  }

  declareQueue(): Promise<void> {
    return this.refuse();
  }

  consume(): Promise<Subscription> {
    return this.refuse();
  }

  private refuse(): Promise<never> {
    return Promise.reject(new BusError('misconfigured', this.describe()));
  }
}
