/**
 * A JSON body is UTF-8 (RFC 8259 §8.1). Bytes that are no UTF-8 were decoded leniently, so a Latin-1
 * "Köln" reached the golden record as "K\uFFFDln", and a UTF-16 charset was read as if it were one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import request from 'supertest';
import { createEventsApi, type EventPublisher } from '../../../../app/api/events-api';
import { HealthRegistry } from '../../../../app/api/health';
import { createHubApi } from '../../../../app/api/hub-api';
import { createPoliciesApi, type PoliciesBackend } from '../../../../app/api/policies-api';
import type { InteractionEvent } from '../../../../mappings/canonical/types';
import { EmbeddedStore } from '../../../../records/embedded-store';
import { PolicyRegistry } from '../../../../policies/registry';

const PROCESS = '3f2e1d0c-9b8a-4765-a432-10fedcba9876';
const EVENT_ID = '0b6e6f5c-1c2d-4e5f-8a9b-0c1d2e3f4a51';
const addressChanged = {
  eventId: EVENT_ID,
  schemaVersion: '1.0',
  type: 'address-changed',
  occurredAt: '2026-11-22T10:00:00.000Z',
  channel: 'web',
  source: { system: 'web' },
  customer: { ref: 'web:581', identifiers: [{ system: 'web', id: '581' }] },
  data: { address: { street: 'Domkloster 4', postalCode: '50667', city: 'Köln', country: 'DE' } },
};
/** the event's JSON with its city in Latin-1 bytes: ö is the single byte 0xF6 */
const latin1Event = Buffer.from(JSON.stringify(addressChanged), 'latin1');
const badByteAt = latin1Event.indexOf(0xf6);

let directory = '';
let store: EmbeddedStore;
let published: InteractionEvent[];
let server: express.Express;

beforeEach(async () => {
  directory = mkdtempSync(join(tmpdir(), 'crm-hub-body-encoding-'));
  store = new EmbeddedStore({ directory });
  await store.open();
  published = [];
  const publisher: EventPublisher = { publish: async (event) => void published.push(event) };
  server = express();
  server.use(
    '/api/v1',
    createHubApi({ store: () => store, health: new HealthRegistry(), events: () => publisher }),
  );
});

afterEach(async () => {
  await store.close();
  rmSync(directory, { recursive: true, force: true });
});

/** the bytes as they are: superagent would send a Buffer under a JSON type as JSON of its own */
const asIs = (body: unknown): string => body as string;

function post(app: express.Express, path: string, body: Buffer | string, type = 'application/json') {
  return request(app).post(path).set('content-type', type).serialize(asIs).send(body);
}

describe('a JSON body that is no UTF-8', () => {
  it('is refused with 400 invalid-encoding naming the byte and its offset, and nothing is published', async () => {
    const res = await post(server, '/api/v1/events', latin1Event);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: 'invalid-encoding',
      message: `the body is not valid UTF-8 at byte ${badByteAt} (0xF6): send JSON in UTF-8 (RFC 8259)`,
    });
    expect(published).toEqual([]);
  });

  it('never stores K\\uFFFDln from a process PUT', async () => {
    const res = await request(server)
      .put(`/api/v1/customers/crm:4711/processes/${PROCESS}`)
      .set('content-type', 'application/json')
      .serialize(asIs)
      .send(
        Buffer.from(
          '{"kind":"mortgage-application","lastChannel":"web","step":"s","data":{"city":"K\xf6ln"}}',
          'latin1',
        ),
      );
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid-encoding');
    expect(res.body.message).toContain('(0xF6)');
    expect(await store.getProcess(PROCESS)).toBeUndefined();
  });

  it('takes the same event in UTF-8, with or without a BOM', async () => {
    const utf8 = Buffer.from(JSON.stringify(addressChanged));
    expect((await post(server, '/api/v1/events', utf8)).status).toBe(202);
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8]);
    expect((await post(server, '/api/v1/events', withBom, 'application/json; charset=UTF-8')).status).toBe(
      202,
    );
    expect(published.map((e) => (e.data as { address: { city: string } }).address.city)).toEqual([
      'Köln',
      'Köln',
    ]);
  });

  it('is refused by the events and policies routers on their own, too', async () => {
    const events = express();
    events.use('/api/v1', createEventsApi({ events: () => ({ publish: async () => {} }) }));
    const refused = await post(events, '/api/v1/events', latin1Event);
    expect({ status: refused.status, error: refused.body.error }).toEqual({
      status: 400,
      error: 'invalid-encoding',
    });
    const registry = new PolicyRegistry({
      switches: { isEnabled: () => true, setEnabled: async () => {} },
    });
    const backend: PoliciesBackend = { registry, authConfigured: () => false };
    const policies = express();
    policies.use('/api/v1', createPoliciesApi({ policies: () => backend }));
    const toggle = await request(policies)
      .put('/api/v1/policies/p1/state')
      .set('content-type', 'application/json')
      .serialize(asIs)
      .send(Buffer.from('{"enabled":true,"by":"Jos\xe9"}', 'latin1'));
    expect({ status: toggle.status, error: toggle.body.error }).toEqual({
      status: 400,
      error: 'invalid-encoding',
    });
  });
});

describe('a charset other than UTF-8', () => {
  it('is a 415, UTF-16 and UTF-32 as much as Latin-1, however it is spelt', async () => {
    const json = JSON.stringify(addressChanged);
    for (const [charset, body] of [
      ['utf-16le', Buffer.from(json, 'utf16le')],
      ['utf-16', Buffer.from(json)],
      ['UTF-16BE', Buffer.from(json)],
      ['"utf-16le"', Buffer.from(json, 'utf16le')],
      ['utf-32le', Buffer.from(json)],
      ['utf-7', Buffer.from(json)],
      ['utf8', Buffer.from(json)],
      ['iso-8859-1', Buffer.from(json)],
      ['us-ascii', Buffer.from(json)],
    ] as const) {
      const res = await post(server, '/api/v1/events', body, `application/json; charset=${charset}`);
      expect({ charset, status: res.status, error: res.body.error }).toEqual({
        charset,
        status: 415,
        error: 'unsupported-media-type',
      });
      expect(res.body.message).toContain('send JSON in UTF-8');
    }
    expect(published).toEqual([]);
    for (const charset of ['utf-8', 'UTF-8', '"utf-8"', '"UTF-8"']) {
      const res = await post(server, '/api/v1/events', json, `application/json; charset=${charset}`);
      expect({ charset, status: res.status }).toEqual({ charset, status: 202 });
    }
  });
});
