import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { Client as PgClient } from 'pg';
import * as soap from 'soap';
import {
  createDatabase,
  createVhost,
  deleteVhost,
  dropDatabase,
  eventually,
  startHub,
  type RunningHub,
} from './hub-process';

const run = promisify(execFile);

/**
 * The store under the hub: the embedded LMDB store (no DATABASE_URL), and PostgreSQL in a database of
 * its own per run. The PostgreSQL run fails, never skips, when the server is not there.
 */
interface StoreRun {
  env: Record<string, string>;
  databaseUrl?: string;
  cleanup(): Promise<void>;
}
const stores: { name: 'embedded' | 'postgres'; log: RegExp; start(): Promise<StoreRun> }[] = [
  {
    name: 'embedded',
    log: /store = embedded LMDB/,
    start: async () => ({ env: { DATABASE_URL: '' }, cleanup: async () => undefined }),
  },
  {
    name: 'postgres',
    log: /store = PostgreSQL/,
    async start() {
      const database = `crm_hub_e2e_${randomUUID().slice(0, 8)}`;
      const databaseUrl = await createDatabase(database);
      return { env: { DATABASE_URL: databaseUrl }, databaseUrl, cleanup: () => dropDatabase(database) };
    },
  },
];

/**
 * The thin slice end to end, on the real hub process with RabbitMQ, once per store: the call-center
 * CRM reports an address change over SOAP, and the mortgage offer appears on the customer's web channel.
 */
describe.each(stores)(
  'hub on the $name store: address change via SOAP → mortgage offer on the web (RabbitMQ)',
  (store) => {
    const vhost = `crm-hub-e2e-${randomUUID().slice(0, 8)}`;
    let hub: RunningHub;
    let started: StoreRun | undefined;

    beforeAll(async () => {
      const amqpUrl = createVhost(vhost);
      started = await store.start();
      hub = await startHub({ AMQP_URL: amqpUrl, ...started.env });
    }, 150000);

    afterAll(async () => {
      await hub?.stop();
      deleteVhost(vhost);
      await started?.cleanup();
    });

    const customerNumber = () => String(Math.floor(Math.random() * 1e9)).padStart(10, '0');

    async function offersFor(ref: string): Promise<{ offer: string; channel: string; policyId: string }[]> {
      const res = await fetch(`${hub.url}/api/v1/customers/${encodeURIComponent(ref)}/offers?channel=web`);
      expect(res.status).toBe(200);
      return ((await res.json()) as { offers: { offer: string; channel: string; policyId: string }[] })
        .offers;
    }

    it(`logs that it uses RabbitMQ and the ${store.name} store, and reports both healthy`, async () => {
      expect(hub.log()).toMatch(/bus\s+= RabbitMQ/);
      expect(hub.log()).toMatch(store.log);
      const health = (await (await fetch(`${hub.url}/healthz`)).json()) as Record<string, unknown>;
      expect(health).toMatchObject({
        status: 'ok',
        bus: [expect.objectContaining({ kind: 'rabbitmq', ok: true, state: 'connected' })],
        store: [expect.objectContaining({ kind: store.name, ok: true })],
        flows: expect.objectContaining({ state: 'started' }),
      });
    });

    it('lets no other site’s script use its endpoints: a preflight gets no CORS, nor does any answer', async () => {
      const evil = { origin: 'https://evil.example' };
      for (const path of ['/api/v1/reviews/x', '/api/v1/customers/g-0/unmerge', '/soap/hub', '/healthz']) {
        const preflight = await fetch(`${hub.url}${path}`, {
          method: 'OPTIONS',
          headers: {
            ...evil,
            'access-control-request-method': 'POST',
            'access-control-request-headers': 'content-type',
          },
        });
        const cors = [...preflight.headers.keys()].filter((name) => name.startsWith('access-control-'));
        expect({ path, status: preflight.status, cors }).toEqual({ path, status: 204, cors: [] });
      }
      for (const path of ['/api/v1/customers/crm:1', '/healthz', '/soap/hub?wsdl']) {
        const res = await fetch(`${hub.url}${path}`, { headers: evil });
        expect({ path, allowed: res.headers.get('access-control-allow-origin') }).toEqual({
          path,
          allowed: null,
        });
      }
      // without the admin user the editor's admin API serves no other site either (local-only.test.ts)
      const admin = await fetch(`${hub.url}/settings`, { headers: evil });
      expect(admin.status).toBe(403);
      expect(admin.headers.get('access-control-allow-origin')).toBeNull();
    });

    it('accepts ReportAddressChange from a node-soap client and offers a mortgage on the web channel', async () => {
      const client = await soap.createClientAsync(`${hub.url}/soap/crm?wsdl`);
      const number = customerNumber();
      const [result] = await client.ReportAddressChangeAsync({
        customerNumber: number,
        street: 'Leopoldstraße 12',
        postalCode: '80802',
        city: 'München',
        country: 'DE',
        channel: 'call-center',
      });
      expect(result.accepted).toBe(true);
      expect(result.eventId).toMatch(/^[0-9a-f-]{36}$/);

      const offers = await eventually(async () => {
        const list = await offersFor(`crm:${number}`);
        return list.length ? list : undefined;
      }, 'the mortgage offer');
      expect(offers).toEqual([
        expect.objectContaining({ offer: 'mortgage', channel: 'web', policyId: 'address-change-mortgage' }),
      ]);
    });

    it('answers invalid input with a SOAP Fault that names the bad field', async () => {
      const client = await soap.createClientAsync(`${hub.url}/soap/crm?wsdl`);
      const error = await client
        .ReportAddressChangeAsync({
          customerNumber: customerNumber(),
          street: 'Leopoldstraße 12',
          postalCode: '80802',
          city: 'München',
          country: 'Germany',
        })
        .then(
          () => undefined,
          (err: { root?: { Envelope?: { Body?: { Fault?: { faultstring?: string } } } } }) => err,
        );
      expect(error).toBeDefined();
      expect(error?.root?.Envelope?.Body?.Fault?.faultstring).toContain('country');
      // the hub is still healthy and serving
      expect((await fetch(`${hub.url}/healthz`)).status).toBe(200);
    });

    it('works the same for an independent SOAP client (python3-zeep)', async () => {
      const number = customerNumber();
      const script = [
        'import json, sys, zeep',
        'client = zeep.Client(sys.argv[1])',
        "r = client.service.ReportAddressChange(customerNumber=sys.argv[2], street='Ring 1', postalCode='50667', city='Köln', country='DE', channel='call-center')",
        "print(json.dumps({'accepted': r.accepted, 'eventId': r.eventId}))",
      ].join('\n');
      // Debian's python3 carries python3-zeep; a pyenv python3 on PATH may not
      const { stdout } = await run('/usr/bin/python3', ['-c', script, `${hub.url}/soap/crm?wsdl`, number]);
      expect(JSON.parse(stdout.trim().split('\n').pop() as string)).toMatchObject({ accepted: true });
      const offers = await eventually(async () => {
        const list = await offersFor(`crm:${number}`);
        return list.length ? list : undefined;
      }, 'the mortgage offer for the zeep call');
      expect(offers[0]).toMatchObject({ offer: 'mortgage' });
    });

    describe('the hub services at /soap/hub', () => {
      const number = customerNumber();
      const ref = `crm:${number}`;
      type Client = Record<string, (args: unknown) => Promise<[Record<string, unknown>]>>;
      let client: Client;

      beforeAll(async () => {
        client = (await soap.createClientAsync(`${hub.url}/soap/hub?wsdl`)) as unknown as Client;
      });

      it('UpsertCustomer puts the customer on the bus; the golden record then answers GetCustomer360', async () => {
        const [upserted] = await client.UpsertCustomerAsync({
          customer: {
            customerRef: ref,
            sourceSystem: 'crm',
            sourceId: number,
            kind: 'person',
            givenName: 'Anna',
            familyName: 'Schmidt',
            tier: 'platinum',
            email: 'Anna.Schmidt@example.de',
            city: 'München',
            country: 'DE',
            consents: [{ channel: 'web', purpose: 'marketing', status: 'granted' }],
          },
        });
        expect(upserted).toMatchObject({ customerRef: ref, accepted: true });
        const view = await eventually(async () => {
          const [answer] = await client
            .GetCustomer360Async({ customerRef: ref })
            .catch(() => [undefined] as never);
          return answer;
        }, 'the customer in the golden record');
        expect(view.customer).toMatchObject({
          customerRef: ref,
          tier: 'platinum',
          email: 'anna.schmidt@example.de',
        });
        if (started?.databaseUrl) {
          // the golden record is in PostgreSQL itself, where a second hub instance would read it
          const db = new PgClient({ connectionString: started.databaseUrl });
          await db.connect();
          try {
            const { rows } = await db.query('select doc from crm_hub.customers where customer_ref = $1', [
              ref,
            ]);
            expect(rows).toEqual([{ doc: expect.objectContaining({ customerRef: ref, tier: 'platinum' }) }]);
          } finally {
            await db.end();
          }
        }
      });

      it('ReportInteraction adds to the customer history that GetCustomer360 shows', async () => {
        const [reported] = await client.ReportInteractionAsync({
          type: 'withdrawal',
          channel: 'branch',
          customerRef: ref,
          amount: '12000.00',
          currency: 'EUR',
        });
        expect(reported).toMatchObject({ accepted: true });
        const view = await eventually(async () => {
          const [answer] = await client.GetCustomer360Async({ customerRef: ref });
          return JSON.stringify(answer.lastInteractions ?? []).includes('withdrawal') ? answer : undefined;
        }, 'the withdrawal in the history');
        expect(view.customer).toMatchObject({ customerRef: ref });
      });

      it('an address change reported by the call-center CRM makes a mortgage the next best offer on the web', async () => {
        const crm = await soap.createClientAsync(`${hub.url}/soap/crm?wsdl`);
        await crm.ReportAddressChangeAsync({
          customerNumber: number,
          street: 'Ring 2',
          postalCode: '80331',
          city: 'München',
          country: 'DE',
        });
        const best = await eventually(async () => {
          const [answer] = await client.GetNextBestOfferAsync({ customerRef: ref, channel: 'web' });
          return answer.offer ? answer : undefined;
        }, 'the next best offer');
        expect(best.offer).toMatchObject({ offer: 'mortgage', channel: 'web' });
        expect(String(best.explanation)).toContain('address-change-mortgage');
        // the ranking, as GET /api/v1/customers/{id}/next-best-offer?channel=web&point=home&limit=3 has it
        const [ranked] = await client.GetNextBestOfferAsync({
          customerRef: ref,
          channel: 'web',
          point: 'home',
          limit: 3,
        });
        const rest = (await (
          await fetch(`${hub.url}/api/v1/customers/${ref}/next-best-offer?channel=web&point=home&limit=3`)
        ).json()) as { offers: { offerId: string; reasons: unknown[] }[] };
        const offers = ranked.offers as {
          rank: number;
          offerId: string;
          offer: string;
          reasons: unknown[];
        }[];
        expect(ranked.point).toBe('home');
        expect(offers.map((o) => o.offerId)).toEqual(rest.offers.map((o) => o.offerId));
        expect(offers.map((o) => o.rank)).toEqual(offers.map((_, i) => i + 1));
        expect(offers.find((o) => o.offer === 'mortgage')?.reasons).not.toHaveLength(0);
      });

      it('GetCustomer360 of an unknown customer is a client fault naming customerRef', async () => {
        const error = await client.GetCustomer360Async({ customerRef: 'web:nobody' }).then(
          () => undefined,
          (err: {
            root?: { Envelope?: { Body?: { Fault?: { faultcode?: string; faultstring?: string } } } };
          }) => err,
        );
        const fault = error?.root?.Envelope?.Body?.Fault;
        expect(fault?.faultcode).toContain('Client');
        expect(fault?.faultstring).toContain('customerRef');
      });

      it('answers every operation for an independent client (python3-zeep)', async () => {
        const script = [
          'import json, sys, zeep',
          'c = zeep.Client(sys.argv[1]).service',
          "u = c.UpsertCustomer(customer={'sourceSystem': 'app', 'sourceId': sys.argv[2], 'kind': 'organization', 'organizationName': 'Muster Bau GmbH'})",
          "r = c.ReportInteraction(type='visit', channel='app', customerRef=u.customerRef)",
          "n = c.GetNextBestOffer(customerRef=u.customerRef, channel='web')",
          'v = c.GetCustomer360(customerRef=sys.argv[3])',
          "b = c.GetNextBestOffer(customerRef=sys.argv[3], channel='web', point='home', limit=3)",
          'ranked = [[o.rank, o.offer, o.source, len(o.reasons)] for o in b.offers]',
          "print(json.dumps({'upsert': u.accepted, 'report': r.accepted, 'explanation': n.explanation, 'ref': v.customer.customerRef, 'ranked': ranked}))",
        ].join('\n');
        const { stdout } = await run('/usr/bin/python3', [
          '-c',
          script,
          `${hub.url}/soap/hub?wsdl`,
          `org-${customerNumber()}`,
          ref,
        ]);
        const answer = JSON.parse(stdout.trim().split('\n').pop() as string) as {
          ranked: [number, string, string, number][];
        };
        expect(answer).toMatchObject({ upsert: true, report: true, ref });
        // the earlier test made a mortgage the offer for this customer; zeep sees the ranked list
        expect(answer.ranked[0]).toEqual([1, expect.any(String), expect.any(String), expect.any(Number)]);
        expect(answer.ranked.find(([, offer]) => offer === 'mortgage')).toEqual([
          expect.any(Number),
          'mortgage',
          'stored',
          1,
        ]);
      });
    });
  },
);
