import type { Response } from 'express';
import type { Decision } from '../../policies/engine';
import type { AuditEntry } from '../../policies/registry';

/** What the console's live view hears of a decision (`event: decision`). */
export interface LiveDecision {
  policyId: string;
  title: { de: string; en: string };
  customerRef: string;
  decisionId: string;
  channel: string;
  action: string;
  offer?: string;
  at: string;
  outcome: 'fired';
}

export interface LiveHubOptions {
  /** a comment line this often keeps proxies and the browser from closing an idle stream */
  pingMs?: number;
  /** streams at most; a further one is refused (each holds a socket) */
  maxClients?: number;
  /** streams of one session at most (a few tabs), so one session cannot take every stream */
  maxPerSession?: number;
  /** a client whose unsent output grows past this is too slow to follow: its stream is closed */
  maxBufferedBytes?: number;
  /** asked at every ping: a stream whose session ended is closed */
  stillAllowed?: (sessionId: string) => boolean;
  /**
   * Called when the first stream opens, to start listening (the registry's onDecision); its result is
   * called when the last closes, so the engine has no listener to tell while nobody watches
   */
  subscribe?: (hub: LiveHub) => () => void;
}

interface Client {
  res: Response;
  sessionId: string;
}

export const LIVE_PING_MS = 25_000;

export function liveDecisionOf(decision: Decision): LiveDecision {
  return {
    policyId: decision.policyId,
    title: decision.title,
    customerRef: decision.customerRef,
    decisionId: decision.decisionId,
    channel: decision.channel,
    action: decision.action,
    ...(decision.offer === undefined ? {} : { offer: decision.offer }),
    at: decision.decidedAt,
    outcome: 'fired',
  };
}

/**
 * The server-sent-event streams of the console's live view. Nothing runs while nobody watches: the
 * ping timer starts with the first stream and stops with the last.
 */
export class LiveHub {
  private readonly clients = new Set<Client>();
  private readonly pingMs: number;
  private readonly maxClients: number;
  private readonly maxPerSession: number;
  private readonly maxBufferedBytes: number;
  private readonly stillAllowed: (sessionId: string) => boolean;
  private timer: NodeJS.Timeout | undefined;
  private readonly subscribe: ((hub: LiveHub) => () => void) | undefined;
  private unsubscribe: (() => void) | undefined;

  constructor(options: LiveHubOptions = {}) {
    this.pingMs = options.pingMs ?? LIVE_PING_MS;
    this.maxClients = options.maxClients ?? 200;
    this.maxPerSession = options.maxPerSession ?? 4;
    this.maxBufferedBytes = options.maxBufferedBytes ?? 1024 * 1024;
    this.stillAllowed = options.stillAllowed ?? (() => true);
    this.subscribe = options.subscribe;
  }

  get size(): number {
    return this.clients.size;
  }

  /** false when full; the caller answers 503 then */
  hasRoom(): boolean {
    return this.clients.size < this.maxClients;
  }

  /** false when the session has its most streams open; the caller answers 429 then */
  hasRoomFor(sessionId: string): boolean {
    let open = 0;
    for (const client of this.clients) if (client.sessionId === sessionId) open += 1;
    return open < this.maxPerSession;
  }

  /** Turns the response into an event stream until the client goes away or its session ends. */
  add(res: Response, sessionId: string): void {
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Connection', 'keep-alive');
    // a reverse proxy (nginx) would otherwise hold the events back
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    res.socket?.setNoDelay(true);
    const client: Client = { res, sessionId };
    this.clients.add(client);
    res.write(`retry: 3000\n: connected\n\n`);
    res.on('close', () => this.drop(client));
    if (!this.timer) {
      this.timer = setInterval(() => this.ping(), this.pingMs);
      this.timer.unref();
    }
    if (!this.unsubscribe && this.subscribe) this.unsubscribe = this.subscribe(this);
  }

  decision(decision: Decision): void {
    if (this.clients.size === 0) return;
    this.send('decision', liveDecisionOf(decision));
  }

  toggle(entry: AuditEntry): void {
    if (this.clients.size === 0) return;
    this.send('toggle', entry);
  }

  /** Ends the streams of one session (its log-out), or all of them. */
  close(sessionId?: string): void {
    for (const client of [...this.clients]) {
      if (sessionId === undefined || client.sessionId === sessionId) {
        this.drop(client);
        client.res.end();
      }
    }
  }

  private send(event: string, data: unknown): void {
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const client of [...this.clients]) this.write(client, frame);
  }

  private ping(): void {
    for (const client of [...this.clients]) {
      if (!this.stillAllowed(client.sessionId)) {
        this.drop(client);
        client.res.end();
      } else {
        this.write(client, ': ping\n\n');
      }
    }
  }

  private write(client: Client, frame: string): void {
    if (client.res.writableLength > this.maxBufferedBytes) {
      this.drop(client);
      client.res.destroy();
      return;
    }
    client.res.write(frame);
  }

  private drop(client: Client): void {
    this.clients.delete(client);
    if (this.clients.size !== 0) return;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }
}
