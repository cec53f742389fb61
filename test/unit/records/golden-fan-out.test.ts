import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Customer } from '../../../mappings/canonical/types';
import { compileOutbound, loadSystemSpec } from '../../../mappings/engine';
import { goldenIdFor } from '../../../records/cross-reference';
import { EmbeddedStore } from '../../../records/embedded-store';
import { GoldenFanOut, targetView } from '../../../records/golden-fan-out';
import { annaSchmidt } from '../../fixtures/anna-schmidt';
import { GoldenIntake } from '../../../records/golden-intake';
import type { GoldenChangedEvent, GoldenEvent } from '../../../records/golden-store';
import type { InteractionEvent } from '../../../mappings/canonical/types';

/**
 * One target's side of the record sync (records/golden-fan-out.ts) on the embedded store: which golden
 * changes become updates for SAP, and which are echoes of what SAP holds already.
 */
const sapOut = compileOutbound(loadSystemSpec('sap'), 'DEBMAS');

function customer(
  system: string,
  id: string,
  street: string,
  minute: number,
  extra: Partial<Customer> = {},
): Customer {
  return annaSchmidt(system, id, street, minute, { extra });
}

describe('GoldenFanOut', () => {
  let directory: string;
  let store: EmbeddedStore;
  let intake: GoldenIntake;
  let fanOut: GoldenFanOut;

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'crm-hub-fan-out-'));
    store = new EmbeddedStore({ directory });
    await store.open();
    intake = new GoldenIntake(store);
    fanOut = new GoldenFanOut(store, 'sap', (view) => sapOut.map(view));
  });
  afterEach(async () => {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  async function take(doc: Customer): Promise<GoldenChangedEvent> {
    const result = await intake.takeCustomer(doc);
    if (result.status !== 'applied') throw new Error(`not applied: ${result.status}`);
    const changed = result.events.filter(
      (e: GoldenEvent): e is GoldenChangedEvent => e.type === 'golden.changed',
    );
    return changed[changed.length - 1];
  }

  it("does not send SAP its own change back (echo), but sends another system's newer value", async () => {
    const own = await take(customer('sap', '80042', 'Ring', 0));
    expect(await fanOut.take(own)).toEqual({
      sent: [],
      skipped: [{ reason: 'echo', key: { system: 'sap', sourceId: '80042' } }],
    });

    const siebel = await take(customer('siebel', '1-A', 'Leopoldstraße', 5));
    const result = await fanOut.take(siebel);
    expect(result.sent).toHaveLength(1);
    const [update] = result.sent;
    expect(update).toMatchObject({
      target: 'sap',
      key: { system: 'sap', sourceId: '80042' },
      goldenId: siebel.goldenId,
      messageId: `${siebel.eventId}:sap:80042`,
      view: { customerRef: 'sap:80042' },
    });
    // the outbound mapping reads the target's number from identifiers[0]
    expect(update.view.identifiers[0]).toEqual({ system: 'sap', id: '80042' });
    expect(update.view.addresses?.[0]).toMatchObject({ street: 'Leopoldstraße' });
    // the same change delivered again is the same message
    expect((await fanOut.take(siebel)).sent[0].messageId).toBe(update.messageId);
  });

  it('sends the values of one golden revision under one message id, whichever change it handles', async () => {
    await take(customer('sap', '80042', 'Ring', 0));
    const first = await take(customer('siebel', '1-A', 'Leopoldstraße', 5));
    const second = await take(customer('siebel', '1-A', 'Hauptstraße', 6));
    // both changes handled after the golden record reached the second one's revision: the view is read
    // then, so both send Hauptstraße, and the target must be able to tell that it is one message
    const early = await fanOut.take(first);
    const late = await fanOut.take(second);
    expect(early.sent[0].view.addresses?.[0]).toMatchObject({ street: 'Hauptstraße' });
    expect(early.sent[0].messageId).toBe(`${second.eventId}:sap:80042`);
    expect(late.sent.map((u) => u.messageId)).toEqual([early.sent[0].messageId]);
  });

  it('sends the golden values again when the last update SAP was handed carried others', async () => {
    await take(customer('sap', '80042', 'Ring', 0));
    const siebel = await take(customer('siebel', '1-A', 'Leopoldstraße', 5));
    expect((await fanOut.take(siebel)).sent).toHaveLength(1);
    // SAP reports its old street again, later: it wins by recency and the golden record follows SAP,
    // but SAP may still apply the Leopoldstraße update queued for it, so the golden values go out once more
    const back = await take(customer('sap', '80042', 'Ring', 9));
    const again = await fanOut.take(back);
    expect(again.sent).toHaveLength(1);
    expect(again.sent[0].view.addresses?.[0]).toMatchObject({ street: 'Ring' });
    // from then on SAP holds what it was last sent: an echo
    expect((await fanOut.take(back)).skipped).toEqual([
      { reason: 'echo', key: { system: 'sap', sourceId: '80042' } },
    ]);
  });

  it('once SAP reported back what it was sent, its own later changes are echoes again', async () => {
    await take(customer('sap', '80042', 'Ring', 0));
    // Siebel's change goes to SAP
    const siebel = await take(customer('siebel', '1-A', 'Leopoldstraße', 5));
    expect((await fanOut.take(siebel)).sent).toHaveLength(1);
    // SAP applied it and reports it back: an echo
    const applied = await take(customer('sap', '80042', 'Leopoldstraße', 6));
    expect((await fanOut.take(applied)).skipped).toEqual([
      { reason: 'echo', key: { system: 'sap', sourceId: '80042' } },
    ]);
    // SAP's own later changes: echoes, each, not bounced back to SAP
    for (const [street, minute] of [
      ['Kalker Hauptstraße', 7],
      ['Mülheimer Freiheit', 8],
    ] as const) {
      const own = await take(customer('sap', '80042', street, minute));
      expect({ street, result: await fanOut.take(own) }).toEqual({
        street,
        result: { sent: [], skipped: [{ reason: 'echo', key: { system: 'sap', sourceId: '80042' } }] },
      });
    }
  });

  /** a golden message's handling whose updates are published (its delivery acked after the flow) */
  const published = { settled: () => Promise.resolve(true) };
  const sap = { system: 'sap', sourceId: '80042' };
  const email = (address: string): Partial<Customer> => ({ emails: [{ address, type: 'home' }] });

  it('does not send SAP the same view again while SAP has not reported back (sent already)', async () => {
    await take(customer('sap', '80042', 'Ring', 0));
    const siebel = await take(customer('siebel', '1-A', 'Leopoldstraße', 5));
    expect((await fanOut.take(siebel, published)).sent).toHaveLength(1);
    // Siebel's later changes of what DEBMAS does not carry: SAP's view stays what it was sent, and SAP
    // has reported nothing since, so they are not sent again (each went out under its own revision)
    for (const [address, minute] of [
      ['anna@example.org', 6],
      ['anna.schmidt@example.org', 7],
    ] as const) {
      const other = await take(customer('siebel', '1-A', 'Leopoldstraße', minute, email(address)));
      expect(await fanOut.take(other, published)).toEqual({
        sent: [],
        skipped: [{ reason: 'sent-already', key: sap }],
      });
    }
    // a process started anew knows of nothing sent: at least once
    const fresh = new GoldenFanOut(store, 'sap', (view) => sapOut.map(view));
    expect((await fresh.take(siebel, published)).sent).toHaveLength(1);
  });

  it("does not map SAP's held version again for a change sent already, only once SAP reported", async () => {
    const mapped: string[] = [];
    const counting = new GoldenFanOut(store, 'sap', (view) => {
      mapped.push(view.addresses?.[0]?.street ?? '');
      return sapOut.map(view);
    });
    await take(customer('sap', '80042', 'Ring', 0));
    const siebel = await take(customer('siebel', '1-A', 'Leopoldstraße', 5));
    await counting.take(siebel, published);
    // the golden view and SAP's held version
    expect(mapped).toEqual(['Leopoldstraße', 'Ring']);
    mapped.length = 0;
    const other = await take(customer('siebel', '1-A', 'Leopoldstraße', 6, email('anna@example.org')));
    expect((await counting.take(other, published)).skipped).toEqual([{ reason: 'sent-already', key: sap }]);
    // the golden view alone: SAP holds the version the last update went out over, no echo check needed
    expect(mapped).toEqual(['Leopoldstraße']);
    mapped.length = 0;
    await counting.take(await take(customer('sap', '80042', 'Am Hof', 3)), published);
    expect(mapped).toEqual(['Leopoldstraße', 'Am Hof']);
  });

  it('sends SAP the view again once SAP reported anything else since, and a change A→B→A sends A', async () => {
    await take(customer('sap', '80042', 'Ring', 0));
    const siebel = await take(customer('siebel', '1-A', 'Leopoldstraße', 5));
    expect((await fanOut.take(siebel, published)).sent).toHaveLength(1);
    // SAP reports an older change of its own that loses: the golden view stays, but SAP holds another
    // street now, and it must get the golden one
    const lost = await take(customer('sap', '80042', 'Am Hof', 3));
    const again = await fanOut.take(lost, published);
    expect(again.sent.map((u) => u.view.addresses?.[0]?.street)).toEqual(['Leopoldstraße']);
    // B, then A again: the last update handed out is B, so A goes out
    const b = await take(customer('siebel', '1-A', 'Hauptstraße', 8));
    const records = jest.spyOn(store, 'getSourceRecord');
    expect((await fanOut.take(b, published)).sent.map((u) => u.view.addresses?.[0]?.street)).toEqual([
      'Hauptstraße',
    ]);
    // a view other than the last one sent is sent without reading SAP's held version for it
    expect(records).not.toHaveBeenCalled();
    const sameB = await take(customer('siebel', '1-A', 'Hauptstraße', 9, email('anna@example.org')));
    expect((await fanOut.take(sameB, published)).skipped).toEqual([{ reason: 'sent-already', key: sap }]);
    const a = await take(customer('siebel', '1-A', 'Leopoldstraße', 10));
    expect((await fanOut.take(a, published)).sent.map((u) => u.view.addresses?.[0]?.street)).toEqual([
      'Leopoldstraße',
    ]);
  });

  it('sends an update again whose publish failed: on redelivery and for any later change of the same view', async () => {
    await take(customer('sap', '80042', 'Ring', 0));
    const siebel = await take(customer('siebel', '1-A', 'Leopoldstraße', 5));
    // the publish failed: the golden message is settled otherwise than acked and comes again
    const failed = await fanOut.take(siebel, { settled: () => Promise.resolve(false) });
    expect(failed.sent).toHaveLength(1);
    await Promise.resolve();
    const later = await take(customer('siebel', '1-A', 'Leopoldstraße', 6, email('anna@example.org')));
    expect((await fanOut.take(later, published)).sent).toHaveLength(1);
    // the failed message redelivered: never skipped as sent already, even with the view published since
    const redelivered = await fanOut.take(siebel, { ...published, redelivered: true });
    expect(redelivered.sent.map((u) => u.messageId)).toEqual([`${later.eventId}:sap:80042`]);
    // that copy is not needed to know the view published: a later change is not sent again
    const more = await take(customer('siebel', '1-A', 'Leopoldstraße', 7, email('anna.s@example.org')));
    expect((await fanOut.take(more, published)).skipped).toEqual([{ reason: 'sent-already', key: sap }]);
    // where nothing tells whether an update arrived (no amqp-in acking after the flow), each is sent
    const blind = new GoldenFanOut(store, 'sap', (view) => sapOut.map(view));
    expect((await blind.take(later)).sent).toHaveLength(1);
    expect((await blind.take(more)).sent).toHaveLength(1);
  });

  it('sends the same view again while the update before is still on its way, and skips it once that is published', async () => {
    await take(customer('sap', '80042', 'Ring', 0));
    const siebel = await take(customer('siebel', '1-A', 'Leopoldstraße', 5));
    const outcome = (): { settled: () => Promise<boolean>; end: (acked: boolean) => void } => {
      let end: (acked: boolean) => void = () => undefined;
      const settled = new Promise<boolean>((resolve) => (end = resolve));
      return { settled: () => settled, end };
    };
    const first = outcome();
    expect((await fanOut.take(siebel, first)).sent).toHaveLength(1);
    const other = await take(customer('siebel', '1-A', 'Leopoldstraße', 6, email('anna@example.org')));
    // not waited for: a wait in the customer's lane chains through a burst of its changes
    const pending = outcome();
    expect((await fanOut.take(other, pending)).sent).toHaveLength(1);
    first.end(true);
    pending.end(true);
    await new Promise((resolve) => setImmediate(resolve));
    const third = await take(customer('siebel', '1-A', 'Leopoldstraße', 7, email('anna@example.net')));
    expect((await fanOut.take(third, published)).skipped).toEqual([{ reason: 'sent-already', key: sap }]);

    const b = await take(customer('siebel', '1-A', 'Hauptstraße', 8));
    const second = outcome();
    expect((await fanOut.take(b, second)).sent).toHaveLength(1);
    second.end(false);
    await new Promise((resolve) => setImmediate(resolve));
    const same = await take(customer('siebel', '1-A', 'Hauptstraße', 9, email('anna@example.org')));
    expect((await fanOut.take(same, published)).sent.map((u) => u.view.addresses?.[0]?.street)).toEqual([
      'Hauptstraße',
    ]);
  });

  it('sends nothing for a gap the target holds itself, where its own format requires the value', async () => {
    const siebelOut = compileOutbound(loadSystemSpec('siebel'), 'Contact');
    const siebelFanOut = new GoldenFanOut(store, 'siebel', (view) => siebelOut.map(view));
    // Siebel sent a contact without a last name, which its own outbound mapping requires
    const { person: _person, ...nameless } = customer('siebel', '1-5AA003', 'Leopoldstraße', 0);
    const gap = await take({ ...nameless, person: { givenName: 'Anna' } } as Customer);
    // no echo: the change may well carry values Siebel lacks; it is held back for the gap Siebel shares
    expect(await siebelFanOut.take(gap)).toEqual({
      sent: [],
      skipped: [{ reason: 'target-gap', key: { system: 'siebel', sourceId: '1-5AA003' } }],
    });
    // once another system supplies the name, Siebel gets it
    const sap = await take(customer('sap', '80042', 'Leopoldstraße', 5));
    const filled = await siebelFanOut.take(sap);
    expect(filled.sent.map((u) => u.view.person?.familyName)).toEqual(['Schmidt']);
  });

  it('sends a system whose report lost survivorship the golden value (the change is published although the document stayed)', async () => {
    await take(customer('sap', '80042', 'Ring', 0));
    await take(customer('siebel', '1-A', 'Leopoldstraße', 5));
    // SAP reports a change that is older than Siebel's: the golden address stays Siebel's
    const lost = await take(customer('sap', '80042', 'Am Hof', 3));
    expect(lost).toBeDefined();
    const result = await fanOut.take(lost);
    expect(result.sent).toHaveLength(1);
    expect(result.sent[0].view.addresses?.[0]).toMatchObject({ street: 'Leopoldstraße' });
  });

  it('skips events that are no change, golden records unknown, and golden records SAP holds no record of', async () => {
    expect(await fanOut.take({ type: 'golden.merged', goldenId: 'g-x', eventId: 'e' })).toEqual({
      sent: [],
      skipped: [{ reason: 'not-a-change' }],
    });
    const unknown = goldenIdFor({ system: 'nobody', sourceId: '1' });
    expect(await fanOut.take({ type: 'golden.changed', goldenId: unknown, eventId: 'e' })).toEqual({
      sent: [],
      skipped: [{ reason: 'unknown' }],
    });
    const crm = await take({
      ...customer('crm', '4711', 'Ring', 0),
      identifiers: [{ system: 'crm', id: '4711' }],
    });
    expect((await fanOut.take(crm)).skipped).toEqual([{ reason: 'not-held' }]);
  });

  function sapDeletion(occurredAt: string): InteractionEvent {
    return {
      schemaVersion: '1.0',
      eventId: '6f1d2c3b-0000-4000-8000-000000000003',
      type: 'customer-deleted',
      channel: 'erp',
      occurredAt,
      customer: { ref: 'sap:80042', identifiers: [{ system: 'sap', id: '80042' }] },
      source: { system: 'sap', operation: 'DEBMAS' },
      data: {},
    } as InteractionEvent;
  }

  it("reads no record's event history on a change when the golden record lists no deletion, and the held version once", async () => {
    await take(customer('sap', '80042', 'Ring', 0));
    const siebel = await take(customer('siebel', '1-A', 'Leopoldstraße', 5));
    const events = jest.spyOn(store, 'listSourceEvents');
    const records = jest.spyOn(store, 'getSourceRecord');
    expect((await fanOut.take(siebel)).sent).toHaveLength(1);
    expect(events).not.toHaveBeenCalled();
    // SAP's held version, for the echo check
    expect(records).toHaveBeenCalledTimes(1);
  });

  it("reads SAP's held version once for a golden record with a tier: its sales area and the echo check alike", async () => {
    const salesArea = { salesOrg: '1000', distributionChannel: '10', division: '00' };
    await take(customer('sap', '80042', 'Ring', 0, { tier: 'gold', salesArea }));
    const siebel = await take(customer('siebel', '1-A', 'Leopoldstraße', 5));
    const records = jest.spyOn(store, 'getSourceRecord');
    const result = await fanOut.take(siebel);
    expect(result.sent).toHaveLength(1);
    // the tier goes back into SAP's own sales area, which the golden record does not merge
    expect(result.sent[0].view).toMatchObject({ tier: 'gold', salesArea });
    expect(records).toHaveBeenCalledTimes(1);
  });

  it('reads a record SAP deleted once per change, for the deletion and the echo check alike', async () => {
    await take(customer('sap', '80042', 'Ring', 0));
    expect(await intake.takeEvent(sapDeletion('2026-03-01T09:10:00Z'))).toMatchObject({ status: 'applied' });
    await take(customer('sap', '80042', 'Ring', 30));
    const again = await take(customer('siebel', '1-A', 'Maximilianstraße', 40));
    const events = jest.spyOn(store, 'listSourceEvents');
    const records = jest.spyOn(store, 'getSourceRecord');
    expect((await fanOut.take(again)).sent).toHaveLength(1);
    expect(events).toHaveBeenCalledTimes(1);
    expect(records).toHaveBeenCalledTimes(1);
  });

  it('sees a deletion stored since the golden document was computed (a recompute is due)', async () => {
    const own = await take(customer('sap', '80042', 'Ring', 0));
    // kept about the record without a change of the golden record: its document does not list it yet
    expect(await store.putSourceEvent(sapDeletion('2026-03-01T09:10:00Z'))).toBe(true);
    expect(await fanOut.take(own)).toEqual({
      sent: [],
      skipped: [{ reason: 'deleted-in-source', key: { system: 'sap', sourceId: '80042' } }],
    });
  });

  it('sends SAP nothing more for a record SAP deleted (MSGFN 003), until SAP sends a newer version', async () => {
    await take(customer('sap', '80042', 'Ring', 0));
    const deletion: InteractionEvent = {
      schemaVersion: '1.0',
      eventId: '6f1d2c3b-0000-4000-8000-000000000003',
      type: 'customer-deleted',
      channel: 'erp',
      occurredAt: '2026-03-01T09:10:00Z',
      customer: { ref: 'sap:80042', identifiers: [{ system: 'sap', id: '80042' }] },
      source: { system: 'sap', operation: 'DEBMAS' },
      data: {},
    } as InteractionEvent;
    expect(await intake.takeEvent(deletion)).toMatchObject({ status: 'applied' });
    const siebel = await take(customer('siebel', '1-A', 'Leopoldstraße', 20));
    // still a member: the hub erases nothing because one system dropped its view
    expect(await store.resolveGoldenId('sap:80042')).toBe(siebel.goldenId);
    expect(await fanOut.take(siebel)).toEqual({
      sent: [],
      skipped: [{ reason: 'deleted-in-source', key: { system: 'sap', sourceId: '80042' } }],
    });

    // SAP creates it again: a newer version than the deletion, and the golden values go out again
    await take(customer('sap', '80042', 'Ring', 30));
    const again = await take(customer('siebel', '1-A', 'Maximilianstraße', 40));
    expect((await fanOut.take(again)).sent).toHaveLength(1);
  });

  it("makes a target's view of a frozen golden document: its record first, the document's keys in their order", () => {
    const document = Object.freeze({
      ...customer('crm', '4711', 'Ring', 0),
      identifiers: Object.freeze([
        { system: 'crm', id: '4711' },
        { system: 'sap', id: '80042' },
        { system: 'siebel', id: '1-A' },
      ]),
    }) as Customer;
    const view = targetView(document, { system: 'sap', sourceId: '80042' });
    expect(view.customerRef).toBe('sap:80042');
    expect(view.identifiers).toEqual([
      { system: 'sap', id: '80042' },
      { system: 'crm', id: '4711' },
      { system: 'siebel', id: '1-A' },
    ]);
    expect(Object.keys(view)).toEqual(Object.keys(document));
    expect({ ...view, customerRef: document.customerRef, identifiers: document.identifiers }).toEqual(
      document,
    );
    expect(Object.isFrozen(view)).toBe(false);
  });
});
