/**
 * A password in a broker or database URL, or a token in a rest-client's default headers, is saved in the
 * flow JSON in the clear. A deployment that has one keeps working after an upgrade, but each such node
 * warns once at start, naming itself and the field, never the secret. A `${VAR}` the environment fills
 * in holds its secret there, not in the flow, and is no reason to warn.
 */
import { randomBytes } from 'node:crypto';
import type { AmqpBrokerNode } from '../../nodes/amqp-broker/amqp-broker';
import type { HubStoreNode } from '../../nodes/hub-store/hub-store';
import { withPassword } from '../../nodes/hub-store/hub-store';
import restClientModule from '../../nodes/rest-client/rest-client';
import restRequestModule from '../../nodes/rest-request/rest-request';
import type { RED } from '../../nodes/shared/red';
import { createDatabase, dropDatabase } from '../e2e/hub-process';
import { useGateway } from '../unit/connectors/http/gateway-server';
import { helper, load, loggedWarnings, nextInput, nodes, tempDir, useHelper } from './harness';

useHelper();
const gateway = useGateway();

/** Every message the runtime logged during the test, whatever the level. */
function everythingLogged(): string {
  const spy = helper.log() as unknown as { args: { msg?: unknown }[][] };
  return spy.args.map((a) => String(a[0]?.msg)).join('\n');
}

// 127.0.0.1 with the default virtual host spelled out, so the URL cannot equal an AMQP_URL of the
// environment the tests run in (that one would count as coming from the environment).
const BROKER_WITH_PASSWORD = 'amqp://guest:guest@127.0.0.1:5672/%2F';

describe('amqp-broker', () => {
  it('warns once that its URLs hold a password, without the password, and still connects with it', async () => {
    await load(
      [nodes.amqpBroker],
      [
        {
          id: 'broker',
          type: 'amqp-broker',
          urls: `amqp://127.0.0.1:1\n${BROKER_WITH_PASSWORD}`,
          heartbeat: '30',
        },
      ],
    );
    expect(loggedWarnings('broker')).toEqual(['amqp-broker.log.secret-in-flow']);
    const broker = helper.getNode('broker') as AmqpBrokerNode;
    await broker.bus.start();
    expect(broker.bus.state()).toBe('connected');
    expect(everythingLogged()).not.toContain('guest:guest');
  });

  it('does not warn without a password in the URL, or for a ${VAR} from the environment', async () => {
    const variable = `CRM_HUB_TEST_BROKER_${randomBytes(4).toString('hex')}`;
    process.env[variable] = BROKER_WITH_PASSWORD;
    try {
      await load(
        [nodes.amqpBroker],
        [
          { id: 'plain', type: 'amqp-broker', urls: 'amqp://guest@127.0.0.1:5672', heartbeat: '30' },
          { id: 'env', type: 'amqp-broker', urls: `\${${variable}}`, heartbeat: '30' },
        ],
      );
      expect((helper.getNode('env') as AmqpBrokerNode).bus.describe()).toContain('127.0.0.1');
      expect(loggedWarnings('plain')).toEqual([]);
      expect(loggedWarnings('env')).toEqual([]);
    } finally {
      delete process.env[variable];
    }
  });
});

describe('hub-store', () => {
  const database = `crm_hub_secret_${process.pid}_${randomBytes(4).toString('hex')}`;
  let databaseUrl = '';
  beforeAll(async () => {
    databaseUrl = await createDatabase(database);
  });
  afterAll(() => dropDatabase(database));

  it('warns once that its URL holds a password, without the password, and still opens the store', async () => {
    await load(
      [nodes.hubStore],
      [
        {
          id: 'store',
          type: 'hub-store',
          databaseUrl: withPassword(databaseUrl, 'URLSECRET2'),
          directory: tempDir('secret'),
        },
      ],
    );
    const store = await (helper.getNode('store') as HubStoreNode).ready;
    expect((await store.health()).ok).toBe(true);
    expect(loggedWarnings('store')).toEqual(['hub-store.log.secret-in-flow']);
    expect(everythingLogged()).not.toContain('URLSECRET2');
  });

  it('does not warn for a URL without a password', async () => {
    await load(
      [nodes.hubStore],
      [{ id: 'store', type: 'hub-store', databaseUrl, directory: tempDir('secret') }],
    );
    await (helper.getNode('store') as HubStoreNode).ready;
    expect(loggedWarnings('store')).toEqual([]);
  });
});

describe('rest-client', () => {
  const restClient = (red: RED) => restClientModule(red);
  const restRequest = (red: RED) => restRequestModule(red);
  const flow = (headers: string) => [
    {
      id: 'gw',
      type: 'rest-client',
      baseUrl: gateway().url,
      auth: 'none',
      headers,
      timeout: '2000',
      retries: '0',
      version: 1,
    },
    {
      id: 'req',
      type: 'rest-request',
      client: 'gw',
      method: 'POST',
      path: '/messages',
      version: 1,
      wires: [['out']],
    },
    { id: 'out', type: 'helper' },
  ];

  it('warns once naming the headers that carry credentials, never their values, and still sends them', async () => {
    await load(
      [restClient, restRequest],
      flow('Accept: application/json\nAuthorization: Bearer HDRSECRET3\nX-Api-Key: HDRSECRET4'),
    );
    const out = nextInput('out');
    helper.getNode('req').receive({ payload: { text: 'hi' } });
    expect(await out).toMatchObject({ statusCode: 200 });
    expect(gateway().seen[0].headers).toMatchObject({
      authorization: 'Bearer HDRSECRET3',
      'x-api-key': 'HDRSECRET4',
    });
    expect(loggedWarnings('gw')).toEqual(['rest-client.log.secret-in-flow']);
    expect(everythingLogged()).not.toContain('HDRSECRET');
  });

  it('does not warn for headers without credentials', async () => {
    await load([restClient, restRequest], flow('Accept: application/json\nX-Tenant: bank-1'));
    expect(loggedWarnings('gw')).toEqual([]);
  });
});
