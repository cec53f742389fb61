import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the test gateway does with one request: answer with a status (and headers, body), or hang. */
export type Step =
  { status: number; headers?: Record<string, string>; body?: unknown } | { hang: true } | { reset: true };

export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * A local HTTP server standing in for an SMS or e-mail gateway: it plays `script` step by step (the
 * first attempts fail as a test says), then answers 200 with {"messageId": "m-<n>"}; every request it
 * saw is kept.
 */
export class GatewayServer {
  script: Step[] = [];
  readonly seen: SeenRequest[] = [];
  private readonly server = http.createServer((req, res) => this.handle(req, res));
  private readonly hanging: http.ServerResponse[] = [];

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return this.url;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      this.seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const step = this.script.shift() ?? {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: { messageId: `m-${this.seen.length}` },
      };
      if ('hang' in step) {
        this.hanging.push(res);
        return;
      }
      if ('reset' in step) {
        req.socket.destroy();
        return;
      }
      const body =
        step.body === undefined ? '' : typeof step.body === 'string' ? step.body : JSON.stringify(step.body);
      res.writeHead(step.status, {
        ...(typeof step.body === 'object' ? { 'content-type': 'application/json' } : {}),
        ...step.headers,
      });
      res.end(body);
    });
  }
}

/** A started gateway per test, stopped after it. */
export function useGateway(): () => GatewayServer {
  let current: GatewayServer | undefined;
  beforeEach(async () => {
    current = new GatewayServer();
    await current.start();
  });
  afterEach(async () => {
    await current?.stop();
  });
  return () => current!;
}
