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
  private readonly held = new Map<Pair, Buffer[]>();

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
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.on('data', (chunk: Buffer) => upstream.write(chunk));
    upstream.on('data', (chunk: Buffer) => {
      if (this.holding) this.held.set(pair, [...(this.held.get(pair) ?? []), chunk]);
      else if (this.replyDelayMs > 0) setTimeout(() => client.write(chunk), this.replyDelayMs);
      else client.write(chunk);
    });
  }
}
