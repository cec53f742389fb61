import net from 'node:net';

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
}

/**
 * A real TCP hop between a bus and RabbitMQ that a test can cut, as a failed network would: the bus
 * sees its socket close, and nothing in the bus knows a test is there.
 */
export class TcpProxy {
  private readonly pairs = new Set<Pair>();
  private refusing = false;
  private holding = false;
  private replyDelayMs = 0;
  private holdingAfterOpen = false;
  /** connections whose broker has sent connection.open-ok, from which on replies are held */
  private readonly opened = new Set<Pair>();
  private readonly held = new Map<Pair, Buffer[]>();
  private blocking = false;
  /** what clients sent while blocked, not read by the broker yet */
  private readonly unread = new Map<Pair, Buffer[]>();

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(target: { host: string; port: number } = { host: '127.0.0.1', port: 5672 }) {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const proxy = new TcpProxy(server, (server.address() as net.AddressInfo).port);
    server.on('connection', (client) => proxy.accept(client, target));
    return proxy;
  }

  url(userInfo = 'guest:guest'): string {
    return `amqp://${userInfo}@127.0.0.1:${this.port}`;
  }

  get connections(): number {
    return this.pairs.size;
  }

  /** From now on the broker's frames (confirms, deliveries, heartbeats) stop reaching the client. */
  holdReplies(): void {
    this.holding = true;
  }

  /**
   * Connections made from now on get through the AMQP handshake (up to the broker's
   * connection.open-ok) and then hear nothing more: a broker that takes the connection and answers no
   * request, not even a channel open. Heartbeats are held too; the bus's own bounds must notice.
   */
  holdRepliesAfterOpen(): void {
    this.holdingAfterOpen = true;
  }

  /** New connections are answered again; held replies stay held. */
  answerNewConnections(): void {
    this.holdingAfterOpen = false;
  }

  /**
   * What RabbitMQ does under a memory or disk alarm: it sends each connection connection.blocked with
   * the reason and stops reading what the client sends (held here until unblock()).
   */
  block(reason: string): void {
    this.blocking = true;
    for (const pair of this.pairs) pair.client.write(connectionBlockedFrame(reason));
  }

  /** The alarm cleared: connection.unblocked, and what the clients sent meanwhile reaches the broker. */
  unblock(): void {
    this.blocking = false;
    for (const pair of this.pairs) {
      pair.client.write(connectionUnblockedFrame());
      for (const chunk of this.unread.get(pair) ?? []) pair.upstream.write(chunk);
    }
    this.unread.clear();
  }

  /** From now on every chunk the broker sends reaches the client `ms` later, in order: a slow link. */
  delayReplies(ms: number): void {
    this.replyDelayMs = ms;
  }

  /** Drops every connection at once; with `refuse`, new ones are dropped too until accept(). */
  cut(options: { refuse?: boolean } = {}): void {
    if (options.refuse) this.refusing = true;
    for (const pair of this.pairs) {
      pair.client.destroy();
      pair.upstream.destroy();
    }
    this.pairs.clear();
    this.opened.clear();
    this.held.clear();
    this.holding = false;
  }

  acceptAgain(): void {
    this.refusing = false;
  }

  async close(): Promise<void> {
    this.cut({ refuse: true });
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket, target: { host: string; port: number }): void {
    if (this.refusing) {
      client.destroy();
      return;
    }
    const upstream = net.connect(target.port, target.host);
    const pair = { client, upstream };
    this.pairs.add(pair);
    const drop = () => {
      this.pairs.delete(pair);
      this.opened.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.on('data', (chunk: Buffer) => {
      if (this.blocking) this.unread.set(pair, [...(this.unread.get(pair) ?? []), chunk]);
      else upstream.write(chunk);
    });
    const holdAfterOpen = this.holdingAfterOpen;
    upstream.on('data', (chunk: Buffer) => {
      if (holdAfterOpen && !this.opened.has(pair)) {
        const end = openOkEnd(chunk);
        if (end === undefined) {
          client.write(chunk);
          return;
        }
        this.opened.add(pair);
        client.write(chunk.subarray(0, end));
        this.held.set(pair, [chunk.subarray(end)]);
        return;
      }
      if (this.holding || this.opened.has(pair)) this.held.set(pair, [...(this.held.get(pair) ?? []), chunk]);
      else if (this.replyDelayMs > 0) setTimeout(() => client.write(chunk), this.replyDelayMs);
      else client.write(chunk);
    });
  }
}

/**
 * Where the broker's connection.open-ok frame ends in a chunk, if it is there: a method frame (type 1)
 * on channel 0 with class 10, method 41, then its payload and the frame-end octet.
 */
function openOkEnd(chunk: Buffer): number | undefined {
  for (let at = chunk.indexOf(1); at >= 0 && at + 11 <= chunk.length; at = chunk.indexOf(1, at + 1)) {
    if (chunk.readUInt16BE(at + 1) !== 0) continue;
    if (chunk.readUInt16BE(at + 7) !== 10 || chunk.readUInt16BE(at + 9) !== 41) continue;
    return at + 7 + chunk.readUInt32BE(at + 3) + 1;
  }
  return undefined;
}

/** An AMQP 0-9-1 method frame on channel 0 (type 1, size, class and method ids, arguments, 0xCE). */
function connectionMethodFrame(methodId: number, args: Buffer): Buffer {
  const payload = Buffer.concat([Buffer.from([0, 10, 0, methodId]), args]);
  const header = Buffer.alloc(7);
  header.writeUInt8(1, 0);
  header.writeUInt16BE(0, 1);
  header.writeUInt32BE(payload.length, 3);
  return Buffer.concat([header, payload, Buffer.from([0xce])]);
}

/** connection.blocked (10, 60) with its reason as a short string */
function connectionBlockedFrame(reason: string): Buffer {
  const text = Buffer.from(reason, 'utf8');
  return connectionMethodFrame(60, Buffer.concat([Buffer.from([text.length]), text]));
}

/** connection.unblocked (10, 61) */
function connectionUnblockedFrame(): Buffer {
  return connectionMethodFrame(61, Buffer.alloc(0));
}
