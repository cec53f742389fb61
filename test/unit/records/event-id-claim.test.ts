import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contentDigest } from '../../../records/content-hash';
import { EmbeddedStore } from '../../../records/embedded-store';
import { canonicalEventOf, claimEventId, EventIdReusedError } from '../../../records/event-id-claim';
import type { InteractionEvent } from '../../../mappings/canonical/types';
import { withdrawalEvent } from '../policies/fixtures';

describe('event id claims', () => {
  let directory = '';
  let store: EmbeddedStore;

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'crm-hub-claim-'));
    store = new EmbeddedStore({ directory });
    await store.open();
  });

  afterEach(async () => {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  const id = '5b8f9a4e-1c2d-4e5f-8a9b-0c1d2e3f4a01';

  it('lets the same event claim its id again, however it is spelled, and refuses other content naming the id', async () => {
    const event = withdrawalEvent(id, 'sap:104711', 12000) as InteractionEvent;
    await claimEventId(store, event);
    // key order, the id in capitals and SAP's padded number are the same event
    const respelled = JSON.parse(JSON.stringify({ ...event, eventId: id.toUpperCase() })) as InteractionEvent;
    respelled.customer = { ...event.customer, ref: 'sap:0000104711' };
    const reordered = Object.fromEntries(Object.entries(respelled).reverse()) as unknown as InteractionEvent;
    await expect(claimEventId(store, reordered)).resolves.toBeUndefined();

    const other = withdrawalEvent(id, 'sap:104711', 99000) as InteractionEvent;
    const refused = claimEventId(store, other);
    await expect(refused).rejects.toBeInstanceOf(EventIdReusedError);
    await expect(refused).rejects.toMatchObject({
      kind: 'event-id-reused',
      eventId: id,
      message: expect.stringMatching(new RegExp(`^event-id-reused: eventId ${id} was taken before`)),
    });
  });

  it('answers as POST /api/v1/events does: an id the REST API took with a digest is claimed by that event only', async () => {
    const event = withdrawalEvent(id, 'crm:1', 12000) as InteractionEvent;
    await store.recordEventDigests([{ eventId: id, digest: contentDigest(event) }]);
    await expect(claimEventId(store, event)).resolves.toBeUndefined();
    await expect(
      claimEventId(store, withdrawalEvent(id, 'crm:2', 12000) as InteractionEvent),
    ).rejects.toThrow(EventIdReusedError);
  });

  it('takes only canonical interaction events off the bus, as the hub keys them', () => {
    const event = withdrawalEvent(id.toUpperCase(), 'crm:1', 12000);
    expect(canonicalEventOf(event)?.eventId).toBe(id);
    expect(canonicalEventOf(Buffer.from(JSON.stringify(event)))).toBeUndefined();
    expect(canonicalEventOf({ ...event, amount: { value: 'lots', currency: 'EUR' } })).toBeUndefined();
    // an action names the event that caused it, and is none
    expect(
      canonicalEventOf({ decisionId: 'd-1', eventId: id, policyId: 'p', action: 'sms' }),
    ).toBeUndefined();
    expect(canonicalEventOf([event])).toBeUndefined();
    expect(canonicalEventOf(null)).toBeUndefined();
  });
});
