import { randomUUID } from 'node:crypto';
import amqplib, { type ChannelModel, type ConfirmChannel } from 'amqplib';
import { createVhost, deleteVhost, eventually, startHub, type RunningHub } from './hub-process';

/**
 * GET /metrics, /livez and /readyz on the real hub (npm start's command, the shipped flows, RabbitMQ),
 * with the API user configured: the same protection as /healthz, and the counters of the shipped
 * amqp-in "canonical events" move when a message goes through it.
 */
describe('metrics and probes on the real hub', () => {
  const vhost = `crm-hub-metrics-${randomUUID().slice(0, 8)}`;
  const api = `Basic ${Buffer.from('api-user:api-secret').toString('base64')}`;
  const CONSUMER = { queue: 'crm-hub.policy-engine', node: 'canonical events' };
  let hub: RunningHub;
  let connection: ChannelModel;
  let publisher: ConfirmChannel;

  beforeAll(async () => {
    const amqpUrl = createVhost(vhost);
    hub = await startHub(
      {
        AMQP_URL: amqpUrl,
        DATABASE_URL: '',
        CRM_HUB_ADMIN_USER: 'admin',
        CRM_HUB_ADMIN_PASSWORD: 'admin-secret',
        CRM_HUB_API_USER: 'api-user',
        CRM_HUB_API_PASSWORD: 'api-secret',
      },
      { authorization: api },
    );
    connection = await amqplib.connect(amqpUrl);
    publisher = await connection.createConfirmChannel();
  }, 150000);

  afterAll(async () => {
    await connection?.close();
    await hub?.stop();
    deleteVhost(vhost);
  });

  const get = (path: string, authorization?: string) =>
    fetch(`${hub.url}${path}`, { headers: authorization ? { authorization } : {} });

  /** The samples of the exposition: name and labels (as JSON of the sorted pairs) to value. */
  async function scrape(): Promise<Map<string, number>> {
    const res = await get('/metrics', api);
    expect(res.status).toBe(200);
    const samples = new Map<string, number>();
    for (const line of (await res.text()).split('\n')) {
      const m = /^([a-z_:][a-z0-9_:]*)(?:\{(.*)\})? (\S+)$/i.exec(line);
      if (!m) continue;
      const labels = [...(m[2] ?? '').matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/gi)].map((l) => [l[1], l[2]]);
      samples.set(key(m[1], Object.fromEntries(labels) as Record<string, string>), Number(m[3]));
    }
    return samples;
  }
  const key = (name: string, labels: Record<string, string> = {}) =>
    `${name}${JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)))}`;
  const value = (samples: Map<string, number>, name: string, labels?: Record<string, string>) =>
    samples.get(key(name, labels));

  it.each(['/metrics', '/readyz'])('%s answers 401 without the API user, as /healthz does', async (path) => {
    for (const authorization of [undefined, `Basic ${Buffer.from('api-user:nope').toString('base64')}`]) {
      const refused = await get(path, authorization);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toBe('Basic realm="Authorization Required"');
      expect(await refused.json()).toMatchObject({ error: 'unauthenticated' });
    }
  });

  it('answers /livez without credentials, and with wrong ones: a lock-out must not fail the liveness probe', async () => {
    for (const authorization of [undefined, `Basic ${Buffer.from('api-user:nope').toString('base64')}`]) {
      const live = await get('/livez', authorization);
      expect(live.status).toBe(200);
      expect(live.headers.get('content-type')).toMatch(/^application\/json/);
      expect(Object.keys((await live.json()) as object).sort()).toEqual(['status', 'uptimeSeconds']);
    }
  });

  it('answers /livez and /readyz with the API user; /readyz decides as /healthz', async () => {
    const live = await get('/livez', api);
    expect(live.status).toBe(200);
    expect(await live.json()).toMatchObject({ status: 'ok' });
    const ready = await get('/readyz', api);
    const health = await get('/healthz', api);
    expect({ status: ready.status, body: ((await ready.json()) as { status: string }).status }).toEqual({
      status: health.status,
      body: ((await health.json()) as { status: string }).status,
    });
    expect(ready.status).toBe(200);
  });

  it('serves Prometheus text with the process metrics, the broker state and the probes methods', async () => {
    const res = await get('/metrics', api);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toMatch(/^# TYPE process_cpu_user_seconds_total counter$/m);
    expect(text).toMatch(/^# TYPE nodejs_eventloop_lag_seconds gauge$/m);
    expect(text).toMatch(/^# TYPE crm_hub_amqp_in_received_total counter$/m);
    const samples = await scrape();
    expect([...samples.keys()].filter((k) => k.startsWith('crm_hub_bus_connected'))).not.toEqual([]);
    for (const [k, v] of samples) if (k.startsWith('crm_hub_bus_connected')) expect(v).toBe(1);
    const options = await fetch(`${hub.url}/metrics`, { method: 'OPTIONS' });
    expect({ status: options.status, allow: options.headers.get('allow') }).toEqual({
      status: 204,
      allow: 'GET, HEAD',
    });
  });

  it('counts a message through the shipped amqp-in, a dead letter by reason, and the REST call by route', async () => {
    const before = await scrape();
    const received = value(before, 'crm_hub_amqp_in_received_total', CONSUMER) ?? 0;
    const acked = value(before, 'crm_hub_amqp_in_acked_total', CONSUMER) ?? 0;
    const undecodable = { ...CONSUMER, reason: 'undecodable' };
    const deadLettered = value(before, 'crm_hub_amqp_in_dead_lettered_total', undecodable) ?? 0;
    const ref = `crm:metrics-${randomUUID().slice(0, 8)}`;
    const eventId = randomUUID();
    const posted = await fetch(`${hub.url}/api/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: api },
      body: JSON.stringify({
        eventId,
        schemaVersion: '1.0',
        type: 'web-visit',
        occurredAt: new Date().toISOString(),
        channel: 'web',
        source: { system: 'e2e' },
        customer: { ref, identifiers: [{ system: 'crm', id: ref.split(':')[1] }] },
        data: {},
      }),
    });
    expect(posted.status).toBe(202);
    publisher.publish('crm.events', 'event.web-visit.web', Buffer.from('{ not json'), {
      contentType: 'application/json',
      messageId: randomUUID(),
      persistent: true,
    });
    await publisher.waitForConfirms();

    const after = await eventually(async () => {
      const samples = await scrape();
      const done =
        value(samples, 'crm_hub_amqp_in_acked_total', CONSUMER) === acked + 1 &&
        value(samples, 'crm_hub_amqp_in_dead_lettered_total', undecodable) === deadLettered + 1;
      return done ? samples : undefined;
    }, 'the counters of the canonical events consumer');
    expect(value(after, 'crm_hub_amqp_in_received_total', CONSUMER)).toBe(received + 2);
    expect(value(after, 'crm_hub_amqp_in_in_flight', CONSUMER)).toBe(0);
    expect(value(after, 'crm_hub_amqp_in_dead_lettered_total', { ...CONSUMER, reason: 'timeout' })).toBe(0);
    expect(
      value(after, 'crm_hub_http_requests_total', {
        route: '/api/v1/events',
        method: 'POST',
        status_class: '2xx',
      }),
    ).toBeGreaterThanOrEqual(1);
    // the route template, never the customer's id
    const text = await (await get('/metrics', api)).text();
    expect(text).not.toContain(ref.split(':')[1]);
    expect(text).not.toContain(eventId);
  });
});
