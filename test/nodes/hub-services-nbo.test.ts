import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import * as soap from 'soap';
import type { HubStoreNode } from '../../nodes/hub-store/hub-store';
import type { StoredOffer } from '../../records/store';
import { all, captured, core, helper, load, tempDir, useHelper, type FlowNode } from './harness';

/* eslint-disable-next-line @typescript-eslint/no-require-imports */
const changeNode = require('@node-red/nodes/core/function/15-change.js') as unknown;
const modules = [...all, core.catchNode, changeNode];

useHelper();

/**
 * The shipped GetNextBestOffer path of flows/hub.json (tab "Hub services (/soap/hub)"), as shipped:
 * soap-in → next-best-offer → the change node that shapes GetNextBestOfferResponse → soap-response,
 * called by node-soap from the WSDL the hub serves.
 */
function shippedPath(directory: string): FlowNode[] {
  const hub = JSON.parse(
    fs.readFileSync(path.join(__dirname, '..', '..', 'flows', 'hub.json'), 'utf8'),
  ) as FlowNode[];
  const ids = [
    'cfg-soap-hub',
    'cfg-store',
    'svc-nbo-in',
    'svc-nbo',
    'svc-shape-nbo',
    'svc-reply-read',
    'svc-catch-read',
  ];
  return [
    { id: 'tab-services', type: 'tab' },
    ...hub
      .filter((n) => ids.includes(n.id))
      .map((n) =>
        n.id === 'cfg-store'
          ? { ...n, databaseUrl: '', directory }
          : n.id === 'svc-catch-read'
            ? { ...n, scope: ['svc-nbo', 'svc-shape-nbo'] }
            : n,
      ),
  ];
}

const offer = (offerId: string, priority: number, createdAt: string): StoredOffer => ({
  offerId,
  customerId: 'crm:5001',
  channel: 'web',
  action: 'web-offer',
  offer: `offer-${offerId}`,
  policyId: `policy-${offerId}`,
  eventId: `event-${offerId}`,
  priority,
  title: { de: `Angebot ${offerId}`, en: `Offer ${offerId}` },
  createdAt,
  expiresAt: '2099-01-01T00:00:00.000Z',
  status: 'open',
});

type Answer = {
  offer?: { offerId: string };
  explanation: string;
  point?: string;
  offers?: {
    rank: number;
    offerId: string;
    source: string;
    reasons: { condition: string; held: boolean }[];
  }[];
  defaultOffer?: { offer: string; reason: string };
};

let server: http.Server | undefined;

/** node-soap over real HTTP, against the app the nodes mounted /soap/hub on */
async function client(): Promise<{ GetNextBestOfferAsync(args: unknown): Promise<[Answer]> }> {
  server = http.createServer(captured.red!.httpNode);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return (await soap.createClientAsync(`http://127.0.0.1:${port}/soap/hub?wsdl`)) as never;
}

describe('GetNextBestOffer on the shipped Hub services flow', () => {
  afterEach(async () => {
    helper.settings({});
    server?.closeAllConnections();
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    server = undefined;
  });

  it('answers the ranked offers with rank and reasons for point and limit, and the best one as before', async () => {
    await load(modules, shippedPath(tempDir('nbo-soap')));
    const store = await (helper.getNode('cfg-store') as unknown as HubStoreNode).ready;
    await store.putOffer(offer('a', 40, '2026-01-10T09:00:00.000Z'));
    await store.putOffer(offer('b', 80, '2026-01-11T09:00:00.000Z'));
    await store.putOffer(offer('c', 60, '2026-01-12T09:00:00.000Z'));
    const hub = await client();

    const [ranked] = await hub.GetNextBestOfferAsync({
      customerRef: 'crm:5001',
      channel: 'web',
      point: 'home',
      limit: 2,
    });
    expect(ranked.point).toBe('home');
    expect(ranked.offer?.offerId).toBe('b');
    expect(ranked.offers?.map((o) => [o.rank, o.offerId, o.source])).toEqual([
      [1, 'b', 'stored'],
      [2, 'c', 'stored'],
    ]);
    expect(ranked.offers?.[0].reasons).toEqual([
      { condition: 'open offer decided on event event-b', held: true, actual: '2026-01-11T09:00:00.000Z' },
    ]);
    expect(ranked.explanation).toContain('highest of 3 open offers');

    // a caller that knows only customerRef and channel gets the best offer, and a ranking of one
    const [old] = await hub.GetNextBestOfferAsync({ customerRef: 'crm:5001', channel: 'web' });
    expect(old.offer?.offerId).toBe('b');
    expect(old.offers?.map((o) => o.offerId)).toEqual(['b']);
  });

  it('refuses an unknown channel with a Client fault naming channel and the channels there are, as REST does', async () => {
    await load(modules, shippedPath(tempDir('nbo-soap')));
    const refused = await (
      await client()
    )
      .GetNextBestOfferAsync({ customerRef: 'crm:9401', channel: 'telepathy' })
      .then(
        () => undefined,
        (err: {
          root?: { Envelope?: { Body?: { Fault?: { faultcode?: string; faultstring?: string } } } };
        }) => err.root?.Envelope?.Body?.Fault,
      );
    expect(refused?.faultcode).toMatch(/:Client$/);
    expect(refused?.faultstring).toBe(
      "Invalid request: field 'channel': channel must be one of: call-center, web, app, branch, erp, core-banking, email, sms; got 'telepathy'",
    );
  });

  it('answers the default offer, and why, when nothing applies', async () => {
    // settings.js crmHub.defaultOffer, which @types/node-red's LocalSettings does not know
    const settings: Record<string, unknown> = {
      crmHub: { defaultOffer: { offer: 'newsletter', title: { en: 'Our newsletter' } } },
    };
    helper.settings(settings);
    await load(modules, shippedPath(tempDir('nbo-soap')));
    const [answer] = await (
      await client()
    ).GetNextBestOfferAsync({ customerRef: 'crm:5002', channel: 'web' });
    expect(answer.offer).toBeUndefined();
    expect(answer.offers ?? []).toEqual([]);
    expect(answer.defaultOffer).toMatchObject({
      offer: 'newsletter',
      title: { en: 'Our newsletter' },
      reason: expect.stringContaining('no open offer on web for crm:5002'),
    });
    expect(answer.explanation).toContain('default offer newsletter');
  });
});
