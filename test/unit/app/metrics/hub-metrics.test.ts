import express from 'express';
import request from 'supertest';
import { HubMetrics, METRICS_CONTENT_TYPE } from '../../../../app/metrics/hub-metrics';
import { countApiRequests, createMetricsHandler } from '../../../../app/metrics/endpoints';

/** The lines of the exposition that are samples (no # HELP / # TYPE). */
async function samples(metrics: HubMetrics): Promise<string[]> {
  return (await metrics.text()).split('\n').filter((line) => line !== '' && !line.startsWith('#'));
}

describe('the hub metrics registry', () => {
  it('serves the amqp-in counts per queue and node, dead letters by reason with every reason present', async () => {
    const metrics = new HubMetrics({ defaultMetrics: false });
    const meter = metrics.amqpIn('crm-hub.policy-engine', 'canonical events');
    meter.received += 3;
    meter.admitted('duplicate');
    meter.admitted('undecodable');
    meter.inFlight += 1;
    meter.settled('dead-lettered', 'timeout');
    meter.settled('requeued', 'flow-error');
    meter.retried += 2;
    // a redeployed node with the same queue and name goes on counting
    expect(metrics.amqpIn('crm-hub.policy-engine', 'canonical events')).toBe(meter);
    const lines = await samples(metrics);
    const labels = 'queue="crm-hub.policy-engine",node="canonical events"';
    expect(lines).toEqual(
      expect.arrayContaining([
        `crm_hub_amqp_in_received_total{${labels}} 3`,
        `crm_hub_amqp_in_acked_total{${labels}} 1`,
        `crm_hub_amqp_in_requeued_total{${labels}} 1`,
        `crm_hub_amqp_in_retried_total{${labels}} 2`,
        `crm_hub_amqp_in_in_flight{${labels}} 1`,
        `crm_hub_amqp_in_dead_lettered_total{${labels},reason="undecodable"} 1`,
        `crm_hub_amqp_in_dead_lettered_total{${labels},reason="refused"} 0`,
        `crm_hub_amqp_in_dead_lettered_total{${labels},reason="flow-error"} 0`,
        `crm_hub_amqp_in_dead_lettered_total{${labels},reason="timeout"} 1`,
      ]),
    );
  });

  it('counts publish failures by the bus error kind, anything else as other', async () => {
    const metrics = new HubMetrics({ defaultMetrics: false });
    const meter = metrics.amqpOut('crm.events', 'publish');
    meter.published += 2;
    meter.fail('unroutable');
    meter.fail('a customer id 4711');
    meter.fail(undefined);
    const lines = await samples(metrics);
    expect(lines).toEqual(
      expect.arrayContaining([
        'crm_hub_amqp_out_published_total{exchange="crm.events",node="publish"} 2',
        'crm_hub_amqp_out_failed_total{exchange="crm.events",node="publish",kind="unroutable"} 1',
        'crm_hub_amqp_out_failed_total{exchange="crm.events",node="publish",kind="other"} 2',
      ]),
    );
    expect(lines.join('\n')).not.toContain('4711');
  });

  it('reads the bus, store, policy and SOAP figures from their sources when scraped', async () => {
    const metrics = new HubMetrics({ defaultMetrics: false });
    let connected = true;
    metrics.use({
      components: () =>
        Promise.resolve({ bus: [{ name: 'rabbit', ok: connected }], store: [{ name: 'lmdb', ok: false }] }),
      policies: () => new Map([['welcome-sms', { fired: 4, suppressed: { 'customer-cap': 2, consent: 1 } }]]),
      soap: () => [
        { service: 'hub', operation: 'UpsertCustomer', calls: 5, clientFaults: 1, serverFaults: 0 },
      ],
    });
    expect(await samples(metrics)).toEqual(
      expect.arrayContaining([
        'crm_hub_bus_connected{broker="rabbit"} 1',
        'crm_hub_store_available{store="lmdb"} 0',
        'crm_hub_policy_fired_total{policy="welcome-sms"} 4',
        'crm_hub_policy_suppressed_total{policy="welcome-sms",reason="customer-cap"} 2',
        'crm_hub_policy_suppressed_total{policy="welcome-sms",reason="consent"} 1',
        'crm_hub_soap_requests_total{service="hub",operation="UpsertCustomer"} 5',
        'crm_hub_soap_faults_total{service="hub",operation="UpsertCustomer",code="client"} 1',
        'crm_hub_soap_faults_total{service="hub",operation="UpsertCustomer",code="server"} 0',
      ]),
    );
    connected = false;
    expect(await samples(metrics)).toContain('crm_hub_bus_connected{broker="rabbit"} 0');
  });

  it('counts golden record intakes, their events by type, and store failures', async () => {
    const metrics = new HubMetrics({ defaultMetrics: false });
    metrics.goldenIntake({
      status: 'applied',
      events: [{ type: 'golden.changed' }, { type: 'golden.merged' }],
    });
    metrics.goldenIntake({ status: 'stale' });
    metrics.goldenIntake(undefined);
    metrics.storeUnavailable += 1;
    expect(await samples(metrics)).toEqual(
      expect.arrayContaining([
        'crm_hub_golden_applied_total 1',
        'crm_hub_golden_events_total{type="golden.changed"} 1',
        'crm_hub_golden_events_total{type="golden.merged"} 1',
        'crm_hub_golden_events_total{type="golden.unmerged"} 0',
        'crm_hub_store_unavailable_errors_total 1',
      ]),
    );
  });

  it('includes the process and Node.js default metrics unless told not to', async () => {
    const text = await new HubMetrics().text();
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(text).toMatch(/^# TYPE nodejs_eventloop_lag_seconds gauge$/m);
    expect(await new HubMetrics({ defaultMetrics: false }).text()).not.toContain(
      'process_resident_memory_bytes',
    );
  });
});

describe('GET /metrics and the REST API counts', () => {
  it('answers the exposition as text/plain version 0.0.4 and counts requests by route template', async () => {
    const metrics = new HubMetrics({ defaultMetrics: false });
    const app = express();
    app.use(countApiRequests(metrics));
    const api = express.Router();
    api.get('/customers/:id', (_req, res) => void res.json({}));
    app.use('/api/v1', api);
    app.get('/metrics', createMetricsHandler(metrics));
    await request(app).get('/api/v1/customers/crm%3A4711').expect(200);
    await request(app).get('/api/v1/customers/crm%3A4712').expect(200);
    await request(app).get('/api/v1/nothing/4713').expect(404);
    // the next best offer's fast path answers without an express route
    const fast = express();
    fast.use(countApiRequests(metrics));
    fast.use((_req, res) => void res.status(200).end());
    await request(fast).get('/api/v1/customers/crm%3A4714/next-best-offer?channel=web').expect(200);

    const res = await request(app).get('/metrics').expect(200);
    expect(res.headers['content-type']).toBe(METRICS_CONTENT_TYPE);
    expect(res.text).toContain(
      'crm_hub_http_requests_total{route="/api/v1/customers/:id",method="GET",status_class="2xx"} 2',
    );
    expect(res.text).toContain(
      'crm_hub_http_requests_total{route="unmatched",method="GET",status_class="4xx"} 1',
    );
    expect(res.text).toContain(
      'crm_hub_http_requests_total{route="/api/v1/customers/:id/next-best-offer",method="GET",status_class="2xx"} 1',
    );
    expect(res.text).not.toMatch(/471[1-4]/);
  });
});
