import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import request from 'supertest';
import {
  busEventPublisher,
  createEventsApi,
  stableEventId,
  type EventPublisher,
} from '../../../../app/api/events-api';
import { BusError, EmbeddedBus, type Delivery } from '../../../../connectors/amqp';
import { traceIdOf } from '../../../../connectors/http/trace-context';
import type { InteractionEvent } from '../../../../mappings/canonical/types';
import { EmbeddedStore } from '../../../../records/embedded-store';

const withdrawal = (eventId?: string, value = 12000) => ({
  ...(eventId ? { eventId } : {}),
  schemaVersion: '1.0',
  type: 'withdrawal',
  occurredAt: '2026-11-22T10:00:00.000Z',
  channel: 'branch',
  source: { system: 'core-banking' },
  customer: { ref: 'crm:4711', identifiers: [{ system: 'crm', id: '4711' }] },
  amount: { value, currency: 'EUR' },
  data: {},
});
const ID_1 = '5b8f9a4e-1c2d-4e5f-8a9b-0c1d2e3f4a51';
const ID_2 = '5b8f9a4e-1c2d-4e5f-8a9b-0c1d2e3f4a52';

/** a publisher that confirms, or refuses the events whose ids are listed */
function fakePublisher(refuse: string[] = []) {
  const published: InteractionEvent[] = [];
  const publisher: EventPublisher = {
    publish: async (event) => {
      if (refuse.includes(event.eventId))
        throw new BusError('nacked', 'RabbitMQ amqp://10.1.2.3:5672/prod (user hub) nacked it');
      published.push(event);
    },
  };
  return { publisher, published };
}

const logged: string[] = [];

function app(publisher: EventPublisher | undefined, maxBatch?: number) {
  const server = express();
  server.use(
    '/api/v1',
    createEventsApi({ events: () => publisher, maxBatch, logError: (message) => logged.push(message) }),
  );
  return server;
}

describe('POST /api/v1/events', () => {
  it('publishes one event and answers 202 with its id after the publish was confirmed', async () => {
    const { publisher, published } = fakePublisher();
    const res = await request(app(publisher)).post('/api/v1/events').send(withdrawal(ID_1));
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ eventIds: [ID_1] });
    expect(published).toEqual([withdrawal(ID_1)]);
  });

  it('keys an SAP number as SAP shows it (padded) as the hub keys it, and leaves other systems’ zeros', async () => {
    const { publisher, published } = fakePublisher();
    const padded = {
      ...withdrawal(ID_1),
      customer: { ref: 'sap:0000104711', identifiers: [{ system: 'sap', id: '0000104711' }] },
    };
    const crm = {
      ...withdrawal(ID_2),
      customer: { ref: 'crm:0004711', identifiers: [{ system: 'crm', id: '0004711' }] },
    };
    const res = await request(app(publisher)).post('/api/v1/events').send([padded, crm]);
    expect(res.status).toBe(202);
    expect(published.map((e) => e.customer)).toEqual([
      { ref: 'sap:104711', identifiers: [{ system: 'sap', id: '104711' }] },
      { ref: 'crm:0004711', identifiers: [{ system: 'crm', id: '0004711' }] },
    ]);
  });

  it('publishes a batch in order', async () => {
    const { publisher, published } = fakePublisher();
    const res = await request(app(publisher))
      .post('/api/v1/events')
      .send([withdrawal(ID_1), withdrawal(ID_2)]);
    expect(res.status).toBe(202);
    expect(res.body.eventIds).toEqual([ID_1, ID_2]);
    expect(published.map((event) => event.eventId)).toEqual([ID_1, ID_2]);
  });

  it('gives an event without an id a stable one: the same event twice gets the same id', async () => {
    const { publisher, published } = fakePublisher();
    const first = await request(app(publisher)).post('/api/v1/events').send(withdrawal());
    const again = await request(app(publisher)).post('/api/v1/events').send(withdrawal());
    const other = await request(app(publisher)).post('/api/v1/events').send(withdrawal(undefined, 500));
    expect(first.status).toBe(202);
    expect(first.body.eventIds[0]).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(again.body.eventIds).toEqual(first.body.eventIds);
    expect(other.body.eventIds).not.toEqual(first.body.eventIds);
    expect(published[0].eventId).toBe(first.body.eventIds[0]);
    // key order does not change the id
    const reordered = Object.fromEntries(Object.entries(withdrawal()).reverse());
    expect(stableEventId(reordered)).toBe(first.body.eventIds[0]);
  });

  it('takes an event id in capitals as the same UUID in lower case (RFC 9562), so a replay in capitals is one event', async () => {
    const { publisher, published } = fakePublisher();
    const upper = 'BBBBBBBB-0000-4000-8000-00000000000A';
    const res = await request(app(publisher)).post('/api/v1/events').send(withdrawal(upper, 20000));
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ eventIds: [upper.toLowerCase()] });
    expect(published.map((e) => e.eventId)).toEqual([upper.toLowerCase()]);
  });

  it('refuses the whole batch with 400 naming the item index and field, and publishes nothing', async () => {
    const { publisher, published } = fakePublisher();
    const bad = { ...withdrawal(ID_2), amount: { value: 5, currency: 'euro' } };
    const res = await request(app(publisher))
      .post('/api/v1/events')
      .send([withdrawal(ID_1), bad]);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      error: 'invalid-event',
      index: 1,
      field: 'amount.currency',
      errors: [expect.objectContaining({ index: 1, field: 'amount.currency', rule: 'pattern' })],
    });
    expect(res.body.message).toContain('event 1: amount.currency');
    expect(published).toEqual([]);
  });

  it('says a number JSON.parse cannot hold is out of range, not that it is no number', async () => {
    const { publisher, published } = fakePublisher();
    const res = await request(app(publisher))
      .post('/api/v1/events')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify(withdrawal(ID_1)).replace('"value":12000', '"value":1e309'));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid-event', field: 'amount.value' });
    expect(res.body.message).toContain('event 0: amount.value is out of range');
    expect(res.body.message).not.toContain('must be a number');
    expect(published).toEqual([]);
  });

  it('names a missing field and an item that is no object', async () => {
    const { publisher } = fakePublisher();
    const { type: _type, ...untyped } = withdrawal(ID_1);
    const missing = await request(app(publisher)).post('/api/v1/events').send(untyped);
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ index: 0, field: 'type' });
    const notObject = await request(app(publisher))
      .post('/api/v1/events')
      .send([withdrawal(ID_1), 'hello']);
    expect(notObject.status).toBe(400);
    expect(notObject.body).toMatchObject({ index: 1 });
  });

  it('caps the batch size, refuses an empty batch and a body that is not JSON', async () => {
    const { publisher, published } = fakePublisher();
    const big = await request(app(publisher, 2))
      .post('/api/v1/events')
      .send([withdrawal(ID_1), withdrawal(ID_2), withdrawal()]);
    expect(big.status).toBe(413);
    expect(big.body).toMatchObject({ error: 'batch-too-large', limit: 2 });
    const empty = await request(app(publisher)).post('/api/v1/events').send([]);
    expect(empty.status).toBe(400);
    expect(empty.body.error).toBe('empty-batch');
    const text = await request(app(publisher)).post('/api/v1/events').type('text/plain').send('hello');
    expect(text.status).toBe(415);
    // a JSON type and no body at all: what is missing is the body, not another type
    const nothing = await request(app(publisher))
      .post('/api/v1/events')
      .set('Content-Type', 'application/json');
    expect({ status: nothing.status, error: nothing.body.error }).toEqual({
      status: 400,
      error: 'empty-body',
    });
    expect(published).toEqual([]);
  });

  it('answers 503 and acknowledges nothing when a publish is not confirmed', async () => {
    const { publisher, published } = fakePublisher([ID_2]);
    const res = await request(app(publisher))
      .post('/api/v1/events')
      .send([withdrawal(ID_1), withdrawal(ID_2)]);
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({
      error: 'publish-failed',
      eventIds: [ID_1, ID_2],
      published: [ID_1],
      failed: [{ index: 1, eventId: ID_2, error: 'nacked' }],
    });
    expect(res.body.message).toContain('send the same request again');
    // the broker's address, virtual host and user stay in the log
    expect(JSON.stringify(res.body)).not.toMatch(/10\.1\.2\.3|prod|user hub/);
    expect(logged.at(-1)).toBe('POST /events: RabbitMQ amqp://10.1.2.3:5672/prod (user hub) nacked it');
    expect(res.body.failed[0].message).toMatch(/refused the message .*nothing was taken/);
    expect(published.map((event) => event.eventId)).toEqual([ID_1]);
  });

  it('answers 503 while no bus is deployed', async () => {
    const res = await request(app(undefined)).post('/api/v1/events').send(withdrawal(ID_1));
    expect(res.status).toBe(503);
    expect(res.body.error).toBe('no-bus');
  });
});

describe('POST /api/v1/events: an event id names one event', () => {
  let directory = '';
  let store: EmbeddedStore;
  let deployed: 'open' | 'opening' | 'none';

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'crm-hub-event-ids-'));
    store = new EmbeddedStore({ directory });
    await store.open();
    deployed = 'open';
  });

  afterEach(async () => {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  function withStore(publisher: EventPublisher) {
    const server = express();
    server.use(
      '/api/v1',
      createEventsApi({
        events: () => publisher,
        store: () => (deployed === 'open' ? store : undefined),
        health: { storeDeployed: () => deployed !== 'none' },
      }),
    );
    return server;
  }

  const webVisit = (eventId: string) => ({
    ...withdrawal(eventId),
    type: 'web-visit',
    channel: 'web',
    amount: undefined,
    data: { page: '/mortgage' },
  });

  it('takes the same event again (a retry) with 202 and publishes it again, for the consumers to deduplicate', async () => {
    const { publisher, published } = fakePublisher();
    const first = await request(withStore(publisher)).post('/api/v1/events').send(withdrawal(ID_1));
    // the same event: its keys in another order, its id in capitals
    const again = Object.fromEntries(Object.entries(withdrawal(ID_1.toUpperCase())).reverse());
    const retry = await request(withStore(publisher)).post('/api/v1/events').send(again);
    expect([first.status, retry.status]).toEqual([202, 202]);
    expect(retry.body).toEqual({ eventIds: [ID_1] });
    expect(published.map((e) => e.eventId)).toEqual([ID_1, ID_1]);
  });

  it('refuses an event id that comes back with other content with 409 event-id-reused, and publishes nothing', async () => {
    const { publisher, published } = fakePublisher();
    expect((await request(withStore(publisher)).post('/api/v1/events').send(webVisit(ID_1))).status).toBe(
      202,
    );
    for (const id of [ID_1, ID_1.toUpperCase()]) {
      const reused = await request(withStore(publisher))
        .post('/api/v1/events')
        .send([withdrawal(ID_2), withdrawal(id, 50000)]);
      expect(reused.status).toBe(409);
      expect(reused.body).toEqual({
        error: 'event-id-reused',
        message: expect.stringContaining(`event 1: eventId ${ID_1} was taken before with other content`),
        field: 'eventId',
        index: 1,
        eventId: ID_1,
      });
    }
    expect(published.map((e) => e.type)).toEqual(['web-visit']);
  });

  it('refuses a batch that gives two different events one id with 400 naming the second, and records neither', async () => {
    const { publisher, published } = fakePublisher();
    const res = await request(withStore(publisher))
      .post('/api/v1/events')
      .send([webVisit(ID_1), withdrawal(ID_2), withdrawal(ID_1.toUpperCase(), 50000)]);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid-event', index: 2, field: 'eventId' });
    expect(res.body.message).toContain(`event 2: eventId ${ID_1} is event 0's too, with other content`);
    expect(published).toEqual([]);
    // nothing of the refused batch was taken: the withdrawal alone is a new event
    expect(
      (await request(withStore(publisher)).post('/api/v1/events').send(withdrawal(ID_1, 50000))).status,
    ).toBe(202);
    // one event twice in a batch is the same event
    const twice = await request(withStore(publisher))
      .post('/api/v1/events')
      .send([webVisit(ID_2), webVisit(ID_2)]);
    expect(twice.status).toBe(202);
  });

  it('answers 503 while the hub store is deployed but not open, as it cannot tell a reused id', async () => {
    const { publisher, published } = fakePublisher();
    deployed = 'opening';
    const res = await request(withStore(publisher)).post('/api/v1/events').send(withdrawal(ID_1));
    expect(res.status).toBe(503);
    expect(res.body.error).toBe('store-unavailable');
    expect(published).toEqual([]);
    // without any hub-store there is no record of past ids, and the events go on as before
    deployed = 'none';
    expect((await request(withStore(publisher)).post('/api/v1/events').send(withdrawal(ID_1))).status).toBe(
      202,
    );
  });
});

describe('POST /api/v1/events: W3C trace context', () => {
  const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

  function tracingPublisher() {
    const traces: (string | undefined)[] = [];
    const publisher: EventPublisher = {
      publish: async (_event, options) => {
        traces.push(options?.traceparent);
      },
    };
    return { publisher, traces };
  }

  it('publishes every event of the request as a child of its traceparent header', async () => {
    const { publisher, traces } = tracingPublisher();
    const res = await request(app(publisher))
      .post('/api/v1/events')
      .set('traceparent', `00-${TRACE}-00f067aa0ba902b7-01`)
      .send([withdrawal(ID_1), withdrawal(ID_2)]);
    expect(res.status).toBe(202);
    expect(res.headers.traceresponse).toBe(`00-${TRACE}-00f067aa0ba902b7-01`);
    expect(traces.map(traceIdOf)).toEqual([TRACE, TRACE]);
    expect(new Set(traces).size).toBe(2);
  });

  it('starts a trace for a request without one (or a broken one) and names it in traceresponse', async () => {
    const { publisher, traces } = tracingPublisher();
    const res = await request(app(publisher))
      .post('/api/v1/events')
      .set('traceparent', 'not-a-trace')
      .send(withdrawal(ID_1));
    expect(res.status).toBe(202);
    const started = traceIdOf(res.headers.traceresponse);
    expect(started).toMatch(/^[0-9a-f]{32}$/);
    expect(traces.map(traceIdOf)).toEqual([started]);
  });
});

describe('busEventPublisher', () => {
  it('sends the trace as the AMQP header traceparent', async () => {
    const bus = new EmbeddedBus();
    await bus.start();
    let deliver: (delivery: Delivery) => void = () => undefined;
    const delivered = new Promise<Delivery>((resolve) => (deliver = resolve));
    await bus.declareExchange('crm.events');
    await bus.consume({ queue: 'q', bindings: [{ exchange: 'crm.events', pattern: 'event.#' }] }, (d) => {
      d.ack();
      deliver(d);
    });
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    await busEventPublisher(bus).publish(withdrawal(ID_1) as unknown as InteractionEvent, { traceparent });
    expect((await delivered).headers).toEqual({ traceparent });
    await bus.close();
  });

  it('publishes on crm.events as event.<type>.<channel> with the event id as message id', async () => {
    const bus = new EmbeddedBus();
    await bus.start();
    await bus.declareExchange('crm.events');
    let deliver: (delivery: Delivery) => void = () => undefined;
    const delivered = new Promise<Delivery>((resolve) => (deliver = resolve));
    await bus.consume({ queue: 'q', bindings: [{ exchange: 'crm.events', pattern: 'event.#' }] }, (d) => {
      d.ack();
      deliver(d);
    });
    const publisher = busEventPublisher(bus);
    await publisher.publish(withdrawal(ID_1) as unknown as InteractionEvent);
    const received = [await delivered];
    expect(received[0]).toMatchObject({
      exchange: 'crm.events',
      routingKey: 'event.withdrawal.branch',
      messageId: ID_1,
      contentType: 'application/json',
    });
    expect(JSON.parse(received[0].body.toString())).toEqual(withdrawal(ID_1));
    await bus.close();
  });

  it('rejects when nothing is bound to take the event (mandatory), so the API does not answer 202', async () => {
    const bus = new EmbeddedBus();
    await bus.start();
    await expect(
      busEventPublisher(bus).publish(withdrawal(ID_1) as unknown as InteractionEvent),
    ).rejects.toMatchObject({ kind: 'unroutable' });
    await bus.close();
  });
});
