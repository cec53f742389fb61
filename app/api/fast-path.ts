import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * What the hub's fast paths share: a handler on Node's own request and response, ahead of Node-RED's
 * express apps (nodes/shared/fast-path-mount.ts puts it there), and the credentials Node-RED's
 * httpNodeAuth has let through. A fast path answers a request only when the express route would answer
 * it with the same bytes; every other request goes on (`next()`) the long way.
 */
export type RawHandler = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

/**
 * The Authorization headers Node-RED's httpNodeAuth let through to a route. Node-RED's user and
 * password cannot change while it runs (its own basic auth caches the checked password on the same
 * grounds), so a header it accepted once is good for the fast paths; any other header goes the long way.
 */
export class AcceptedCredentials {
  private readonly accepted = new Set<string>();

  constructor(private readonly max = 64) {}

  accept(authorization: string): void {
    // many distinct headers are no API client's doing: forget them rather than grow
    if (this.accepted.size >= this.max) this.accepted.clear();
    this.accepted.add(authorization);
  }

  has(authorization: string | undefined): boolean {
    return authorization !== undefined && this.accepted.has(authorization);
  }
}
