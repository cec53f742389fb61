/**
 * The golden store's part of the HubStore contract (records/golden-store.ts), run for every backend
 * from describeStoreContract: source record versions, the cross-reference with link, merge and
 * unmerge, golden documents with lineage, events per source record, the review band and the outbox.
 */
import type { Customer, InteractionEvent } from '../../mappings/canonical/types';
import { contentDigest } from '../../records/content-hash';
import { goldenIdFor } from '../../records/cross-reference';
import {
  applySourceEvent,
  crossReferenceOf,
  linkSourceRecord,
  lookupOf,
  mergeGoldenRecords,
  recomputeGoldenRecord,
  unmergedBefore,
  unmergeGoldenRecord,
} from '../../records/golden-operations';
import type {
  GoldenApplyResult,
  GoldenChangedEvent,
  GoldenStore,
  ReviewProposal,
} from '../../records/golden-store';
import { recompute } from '../../records/cross-reference';
import type { SourceKey, SourceRecord } from '../../records/source-versions';
import type { HubStore } from '../../records/store';
import type { TrustConfig } from '../../records/trust';

const crm: SourceKey = { system: 'crm', sourceId: '4711' };
const sap: SourceKey = { system: 'sap', sourceId: '80042' };
const web: SourceKey = { system: 'web', sourceId: 'u-1' };
const [G_CRM, G_SAP, G_WEB] = [crm, sap, web].map(goldenIdFor);

/** SAP is the master for the name and addresses, the CRM for contacts. */
const trust: TrustConfig = {
  default: 1,
  systems: {
    sap: { default: 5, attributes: { name: 8, addresses: 9 } },
    crm: { default: 5, attributes: { contacts: 8 } },
  },
};

function record(
  key: SourceKey,
  updatedAt: string,
  fields: Partial<Customer> = {},
  version?: number,
): SourceRecord {
  return {
    ...key,
    updatedAt,
    document: { kind: 'person', identifiers: [{ system: key.system, id: key.sourceId }], ...fields },
    ...(version !== undefined ? { version } : {}),
  };
}

const anna = record(crm, '2025-01-01T10:00:00.000Z', {
  person: { givenName: 'Anna', familyName: 'Schmidt' },
  emails: [{ type: 'home', address: 'anna@example.org' }],
  addresses: [{ type: 'home', street: 'Alte Gasse 3', city: 'Berlin', country: 'DE' }],
});
const anne = record(sap, '2025-01-02T10:00:00.000Z', {
  person: { givenName: 'Anne', familyName: 'Schmitt' },
  birthDate: '1962-07-01',
  addresses: [{ type: 'postal', street: 'Ring 1', city: 'Köln', country: 'DE' }],
});
const shopper = record(web, '2025-01-03T10:00:00.000Z', {
  person: { givenName: 'A.', familyName: 'Schmidt' },
});

function addressChanged(eventId: string, ref: string, occurredAt: string, street: string): InteractionEvent {
  const [system, id] = ref.split(':');
  return {
    eventId,
    schemaVersion: '1.0',
    type: 'address-changed',
    occurredAt,
    channel: 'call-center',
    source: { system: 'crm', operation: 'ReportAddressChange' },
    customer: { ref, identifiers: [{ system, id }] },
    data: { address: { street, postalCode: '80802', city: 'München', country: 'DE' } },
  };
}

function proposal(a: string, b: string, proposedAt = '2025-03-01T10:00:00.000Z'): ReviewProposal {
  return {
    a,
    b,
    score: 14.6,
    proposedAt,
    explanation: {
      rule: 'weights',
      summary: 'total 14.6 bits (link ≥ 16, review ≥ 14): review',
      comparisons: [
        {
          field: 'familyName',
          level: 'exact',
          m: 0.88,
          u: 0.004,
          weight: 7.78,
          values: ['schmidt', 'schmidt'],
        },
      ],
      nameOrder: 'as-given',
      conflicts: [],
      totalWeight: 14.6,
      thresholds: { link: 16, review: 14 },
    },
  };
}

const applied = (result: GoldenApplyResult): boolean => result.applied;

export function describeGoldenStoreContract(
  current: () => HubStore,
  openStore: () => Promise<HubStore>,
): void {
  describe('golden record', () => {
    let store: GoldenStore;
    beforeEach(() => {
      store = current();
    });

    describe('source records', () => {
      it('keeps the newest version, refuses an older one or a repeat, and returns the held one', async () => {
        expect(await store.getSourceRecord(crm)).toBeUndefined();
        const first = await store.putSourceRecord({ ...anna, updatedAt: '2025-01-01T12:00:00+02:00' });
        expect(first).toMatchObject({ accepted: true, created: true });
        const newer = {
          ...anna,
          updatedAt: '2025-01-05T10:00:00Z',
          document: { ...anna.document, tier: 'gold' as const },
        };
        expect(await store.putSourceRecord(newer)).toMatchObject({ accepted: true, created: false });

        const older = await store.putSourceRecord(anna);
        expect(older).toMatchObject({
          accepted: false,
          stale: { kind: 'older', system: 'crm', sourceId: '4711' },
        });
        expect(older.record.updatedAt).toBe('2025-01-05T10:00:00.000Z');
        const repeat = await store.putSourceRecord(newer);
        expect(repeat).toMatchObject({ accepted: false, stale: { kind: 'repeat' } });

        const held = await store.getSourceRecord(crm);
        expect(held).toMatchObject({ ...newer, updatedAt: '2025-01-05T10:00:00.000Z' });
        expect(held?.contentHash).toBe(contentDigest(newer.document));
        expect(held?.storedAt).toMatch(/Z$/);
      });

      it("orders by the system's sequence when both versions carry one, whatever their times", async () => {
        await store.putSourceRecord(record(sap, '2025-02-01T00:00:00Z', { tier: 'gold' }, 7));
        const late = await store.putSourceRecord(record(sap, '2025-03-01T00:00:00Z', { tier: 'basic' }, 6));
        expect(late).toMatchObject({ accepted: false, stale: { kind: 'older', version: 6 } });
        expect((await store.getSourceRecord(sap))?.document).toMatchObject({ tier: 'gold' });
      });

      it('ends 12 concurrent versions from two instances with the newest, never an older one', async () => {
        const other = await openStore();
        const versions = Array.from({ length: 12 }, (_, i) =>
          record(sap, '2025-02-01T00:00:00Z', { segment: `s${i}` }, 100 + i),
        );
        // newest first, so a store that wrote without its check would end on an old one
        const results = await Promise.all(
          [...versions].reverse().map((v, i) => (i % 2 === 0 ? store : other).putSourceRecord(v)),
        );
        expect((await other.getSourceRecord(sap))?.version).toBe(111);
        expect(results.filter((r) => r.accepted && r.created)).toHaveLength(1);
        for (const result of results.filter((r) => !r.accepted))
          expect(result.record.version).toBeGreaterThanOrEqual(100);
      });

      it('refuses a bad record, naming the field, and stores nothing', async () => {
        await expect(store.putSourceRecord({ ...anna, system: 'c:rm' })).rejects.toThrow(
          /record\.system must not contain a colon/,
        );
        await expect(store.putSourceRecord({ ...anna, updatedAt: '2025-01-01 10:00' })).rejects.toThrow(
          /record\.updatedAt/,
        );
        await expect(store.putSourceRecord({ ...anna, version: Number.NaN })).rejects.toThrow(
          /record\.version must be a finite number/,
        );
        const notObject = 'x' as unknown as SourceRecord['document'];
        await expect(store.putSourceRecord({ ...anna, document: notObject })).rejects.toThrow(
          /record\.document must be a JSON object/,
        );
        // jsonb refuses a lone surrogate, LMDB would keep U+FFFD: both refuse it alike
        await expect(
          store.putSourceRecord({
            ...anna,
            document: { ...anna.document, person: { givenName: 'An\ud800na', familyName: 'Schmidt' } },
          }),
        ).rejects.toThrow(
          'store: record.document.person.givenName must not contain a lone surrogate (\\ud800)',
        );
        expect(await store.getSourceRecord(crm)).toBeUndefined();
      });

      it('lists every held record once, newest version only, a page at a time', async () => {
        const keys = Array.from({ length: 7 }, (_, i) => ({
          system: i % 2 ? 'sap' : 'crm',
          sourceId: `k${i}`,
        }));
        for (const key of keys) await store.putSourceRecord(record(key, '2025-01-01T10:00:00Z'));
        await store.putSourceRecord(record(keys[3], '2025-01-02T10:00:00Z', { tier: 'gold' }));
        const seen: string[] = [];
        let after: SourceKey | undefined;
        for (let page = 0; page < 10; page++) {
          const rows = await store.listSourceRecords({ limit: 3, ...(after ? { after } : {}) });
          expect(rows.length).toBeLessThanOrEqual(3);
          if (rows.length === 0) break;
          seen.push(...rows.map((r) => `${r.system}:${r.sourceId}`));
          after = rows[rows.length - 1];
        }
        expect([...seen].sort()).toEqual(keys.map((k) => `${k.system}:${k.sourceId}`).sort());
        expect(new Set(seen).size).toBe(7);
        const all = await store.listSourceRecords();
        expect(all.find((r) => r.sourceId === 'k3')?.document).toMatchObject({ tier: 'gold' });
        await expect(store.listSourceRecords({ limit: 0 })).rejects.toThrow(/limit must be an integer/);
      });
    });

    describe('cross-reference and golden documents', () => {
      it('links records into one golden record, found by golden id (also a retired one) and by source ref', async () => {
        expect(await linkSourceRecord(store, anne, undefined, { trust })).toMatchObject({
          status: 'applied',
          goldenId: G_SAP,
        });
        // crm:4711 sorts before sap:80042: the golden record takes its id, and the old id is retired into it
        const linked = await linkSourceRecord(store, anna, 'sap:80042', { trust });
        expect(linked).toMatchObject({ status: 'applied', goldenId: G_CRM });
        if (linked.status !== 'applied') throw new Error('not applied');
        expect(linked.events.map((e) => e.type)).toEqual(['golden.merged', 'golden.changed']);

        const golden = await store.getGolden('sap:80042');
        expect(golden).toMatchObject({ goldenId: G_CRM, members: [crm, sap], recomputeNeeded: false });
        expect(golden?.record.document.person).toEqual({ givenName: 'Anne', familyName: 'Schmitt' });
        expect(golden?.record.lineage['person.familyName']).toMatchObject({ source: sap, rule: 'trust' });
        expect(golden?.record.lineage['emails[0]']).toMatchObject({ source: crm });
        expect(await store.getGolden(G_SAP)).toEqual(golden);
        expect(await store.getGolden(G_CRM)).toEqual(golden);
        expect(await store.resolveGoldenId(G_SAP)).toBe(G_CRM);
        expect(await store.listGoldenMembers('crm:4711')).toEqual([crm, sap]);

        expect(await store.getGolden('web:u-1')).toBeUndefined();
        expect(await store.getGolden(G_WEB)).toBeUndefined();
        expect(await store.listGoldenMembers('web:u-1')).toEqual([]);
        await expect(store.getGolden('4711')).rejects.toThrow(
          /golden id \("g-…"\) or "<system>:<source id>"/,
        );
      });

      it('reads the golden document alone, current through link, merge and unmerge, as getGolden has it', async () => {
        const documentOf = async (id: string) => {
          const [golden, read] = [await store.getGolden(id), await store.getGoldenDocument(id)];
          expect(read?.document).toEqual(golden?.record.document);
          expect(read?.revision).toBe(golden?.revision);
          expect(read?.goldenId).toBe(golden?.goldenId);
          return read;
        };
        expect(await store.getGoldenDocument('crm:4711')).toBeUndefined();
        await linkSourceRecord(store, anna, undefined, { trust });
        // read twice: the second read may come from a cache, and must say the same
        expect((await documentOf('crm:4711'))?.key).toEqual(crm);
        expect(await documentOf('crm:4711')).toMatchObject({ goldenId: G_CRM, key: crm });
        await linkSourceRecord(store, anne, undefined, { trust });
        // asked by its id while current (and kept), then once it is retired: the survivor's
        expect(await documentOf(G_SAP)).toMatchObject({ goldenId: G_SAP });
        expect(await store.listGoldenMembers(G_SAP)).toEqual([sap]);
        await mergeGoldenRecords(store, 'sap:80042', G_CRM, { trust, at: '2025-04-01T00:00:00Z' });
        expect(await store.listGoldenMembers(G_SAP)).toEqual([crm, sap]);
        const merged = await documentOf('sap:80042');
        expect(merged).toMatchObject({ goldenId: G_CRM, key: sap });
        expect(merged?.document.person).toEqual({ givenName: 'Anne', familyName: 'Schmitt' });
        expect((await documentOf(G_SAP))?.key).toBeUndefined();
        await unmergeGoldenRecord(store, G_CRM, [sap], { trust });
        expect(await documentOf(G_SAP)).toMatchObject({ goldenId: G_SAP });
        expect(await store.listGoldenMembers(G_SAP)).toEqual([sap]);
        expect(await documentOf('sap:80042')).toMatchObject({ goldenId: G_SAP, key: sap });
        expect(await documentOf('crm:4711')).toMatchObject({ goldenId: G_CRM });
        expect(await store.getGoldenDocument('web:u-1')).toBeUndefined();
        await expect(store.getGoldenDocument('4711')).rejects.toThrow(/golden id/);
      });

      it('reads and links on what another instance on the same data wrote since, not on what it read before', async () => {
        await linkSourceRecord(store, anna, undefined, { trust });
        // this instance read (and may keep) revision 1 of the golden record and its members
        expect(await store.getGoldenDocument('crm:4711')).toMatchObject({ revision: 1 });
        expect(await store.listGoldenMembers(G_CRM)).toEqual([crm]);
        const other = await openStore();
        await linkSourceRecord(other, anne, 'crm:4711', { trust });
        expect(await store.getGoldenDocument(G_CRM)).toMatchObject({ revision: 2 });
        expect(await store.getGoldenDocument('crm:4711')).toMatchObject({ revision: 2 });
        expect(await store.listGoldenMembers(G_CRM)).toEqual([crm, sap]);
        expect((await store.readGoldenContext([G_CRM])).goldens[0]).toMatchObject({
          revision: 2,
          members: [crm, sap],
        });
        // a link computed here is computed on revision 2, so it applies at once
        expect(await linkSourceRecord(store, shopper, 'crm:4711', { trust })).toMatchObject({
          status: 'applied',
        });
        expect(await other.getGoldenDocument(G_CRM)).toMatchObject({ revision: 3 });
        expect(await other.listGoldenMembers(G_CRM)).toEqual([crm, sap, web]);
      });

      it('reads the source records and events another instance on the same data wrote since', async () => {
        await linkSourceRecord(store, anna, undefined, { trust });
        await linkSourceRecord(store, anne, 'crm:4711', { trust });
        // this instance read (and may keep) both members' records and events at this revision
        expect((await store.readGoldenContext([G_CRM])).records.map((r) => r.updatedAt)).toEqual([
          anna.updatedAt,
          anne.updatedAt,
        ]);
        expect((await store.getSourceRecord(sap))?.updatedAt).toBe(anne.updatedAt);
        const other = await openStore();
        const newer = { ...anne, updatedAt: '2025-02-01T10:00:00.000Z' };
        expect(await linkSourceRecord(other, newer, undefined, { trust })).toMatchObject({
          status: 'applied',
        });
        const moved = addressChanged(
          '2f1e6a52-3b0c-4b53-9c51-7a2c1f0e9d11',
          'crm:4711',
          '2025-02-02T10:00:00Z',
          'Leopoldstraße 9',
        );
        expect(await applySourceEvent(other, moved, { trust })).toMatchObject({ status: 'applied' });
        const context = await store.readGoldenContext([G_CRM]);
        expect(context.records.map((r) => r.updatedAt)).toEqual([anna.updatedAt, newer.updatedAt]);
        expect(context.events.map((e) => e.eventId)).toEqual([moved.eventId]);
        expect((await store.getSourceRecord(sap))?.updatedAt).toBe(newer.updatedAt);
        // a version between the two is older than the one the other instance stored
        const between = { ...anne, updatedAt: '2025-01-15T10:00:00.000Z' };
        expect(await linkSourceRecord(store, between, undefined, { trust })).toMatchObject({
          status: 'stale',
          stale: { kind: 'older' },
        });
      });

      it("leaves the events a change hands back the caller's own: changing them changes no read", async () => {
        const linked = await linkSourceRecord(store, anna, undefined, { trust });
        if (linked.status !== 'applied') throw new Error('not applied');
        const changed = linked.events.find((e) => e.type === 'golden.changed');
        if (changed?.type !== 'golden.changed') throw new Error('no golden.changed');
        const document = changed.document as { person?: { givenName?: string } };
        expect(Object.isFrozen(document)).toBe(false);
        const asStored = structuredClone(document);
        (document.person as { givenName: string }).givenName = 'Changed by a flow';
        expect((await store.getGoldenDocument('crm:4711'))?.document).toEqual(asStored);
        expect((await store.getGolden('crm:4711'))?.record.document).toEqual(asStored);
      });

      it('merges two golden records and unmerges them: each gets its id, members and lineage back', async () => {
        await linkSourceRecord(store, anna, undefined, { trust });
        await linkSourceRecord(store, anne, undefined, { trust });
        const before = [await store.getGolden(G_CRM), await store.getGolden(G_SAP)];

        const merged = await mergeGoldenRecords(store, 'sap:80042', G_CRM, {
          trust,
          at: '2025-04-01T00:00:00Z',
        });
        expect(merged).toMatchObject({ status: 'applied', survivor: G_CRM, retired: G_SAP });
        expect(await store.getGolden(G_SAP)).toMatchObject({ goldenId: G_CRM, members: [crm, sap] });

        const split = await unmergeGoldenRecord(store, G_CRM, [sap], { trust });
        expect(split.parts).toEqual(
          [
            { goldenId: G_CRM, sources: [crm] },
            { goldenId: G_SAP, sources: [sap] },
          ].sort((x, y) => (x.goldenId < y.goldenId ? -1 : 1)),
        );
        const after = [await store.getGolden(G_CRM), await store.getGolden(G_SAP)];
        expect(after.map((g) => g?.record)).toEqual(before.map((g) => g?.record));
        expect(after.map((g) => g?.members)).toEqual([[crm], [sap]]);
        // each id moved on through merge and unmerge, so a change computed before them is refused
        expect(after.map((g) => g?.revision)).toEqual(before.map((g) => (g?.revision ?? 0) + 2));
      });

      it('tells an unmerge applied before from sources that never belonged, for a retry', async () => {
        await linkSourceRecord(store, anna, undefined, { trust });
        await linkSourceRecord(store, anne, undefined, { trust });
        await linkSourceRecord(store, shopper, undefined, { trust });
        const byId = (x: { goldenId: string }, y: { goldenId: string }) => (x.goldenId < y.goldenId ? -1 : 1);
        // merged without a review item: the unmerge's own keep-apart item is what is left of it
        await mergeGoldenRecords(store, 'sap:80042', G_CRM, { trust });
        expect(await unmergedBefore(store, G_CRM, [sap])).toBeUndefined();
        const split = await unmergeGoldenRecord(store, G_CRM, [sap], { trust });
        expect(await unmergedBefore(store, G_CRM, [sap])).toEqual(split.parts);
        expect(await unmergedBefore(store, G_SAP, [crm])).toEqual(split.parts);
        // never one record with G_CRM: web, on its own, and a ref the hub never saw
        expect(await unmergedBefore(store, G_CRM, [web])).toBeUndefined();
        expect(await unmergedBefore(store, G_CRM, [{ system: 'crm', sourceId: '1' }])).toBeUndefined();
        expect(await unmergedBefore(store, G_CRM, [sap, web])).toBeUndefined();
        // the split took G_CRM's own ref along: the rest is found under the id it has now
        await mergeGoldenRecords(store, G_SAP, G_CRM, { trust, force: true });
        const again = await unmergeGoldenRecord(store, G_CRM, [crm], { trust });
        expect(again.parts).toEqual(
          [
            { goldenId: G_CRM, sources: [crm] },
            { goldenId: G_SAP, sources: [sap] },
          ].sort(byId),
        );
        expect(await unmergedBefore(store, G_CRM, [crm])).toEqual(again.parts);
        expect(await unmergedBefore(store, G_WEB, [web])).toBeUndefined();
      });

      it('refuses a change computed from a revision that moved on, and writes nothing of it', async () => {
        await linkSourceRecord(store, anna, undefined, { trust });
        await linkSourceRecord(store, anne, undefined, { trust });
        const context = await store.readGoldenContext([G_CRM, G_SAP]);
        expect(context.goldens.map((g) => [g.goldenId, g.revision, g.current])).toEqual(
          [
            [G_CRM, 1, true],
            [G_SAP, 1, true],
          ].sort(),
        );
        const xref = crossReferenceOf(context);
        const { survivor, retired, events } = xref.merge(G_CRM, G_SAP);
        const change = {
          survivor,
          retired,
          events,
          expected: context.goldens.map((g) => ({ goldenId: g.goldenId, revision: g.revision })),
          goldens: [recompute(xref, survivor, lookupOf(context), trust)],
        };
        // another writer changes the SAP record's golden record in between
        await linkSourceRecord(store, { ...anne, updatedAt: '2025-02-01T00:00:00Z' }, undefined, { trust });
        expect(await store.applyMerge(change)).toMatchObject({ applied: false, reason: 'conflict' });
        expect(await store.listGoldenMembers(G_CRM)).toEqual([crm]);
        expect(await store.resolveGoldenId(G_SAP)).toBe(G_SAP);
      });

      it('lets exactly one of two instances merging the same golden records at once win', async () => {
        await linkSourceRecord(store, anna, undefined, { trust });
        await linkSourceRecord(store, anne, undefined, { trust });
        const other = await openStore();
        const changes = await Promise.all(
          [store, other].map(async (s) => {
            const context = await s.readGoldenContext([G_CRM, G_SAP]);
            const xref = crossReferenceOf(context);
            const { survivor, retired, events } = xref.merge(G_SAP, G_CRM);
            return {
              survivor,
              retired,
              events,
              expected: context.goldens.map((g) => ({ goldenId: g.goldenId, revision: g.revision })),
              goldens: [recompute(xref, survivor, lookupOf(context), trust)],
            };
          }),
        );
        const results = await Promise.all([store.applyMerge(changes[0]), other.applyMerge(changes[1])]);
        expect(results.filter(applied)).toHaveLength(1);
        expect(results.find((r) => !r.applied)).toMatchObject({ reason: 'conflict' });
        const merges = (await other.listGoldenOutbox()).filter((e) => e.event.type === 'golden.merged');
        expect(merges).toHaveLength(1);
        expect(await other.getGolden(G_SAP)).toMatchObject({
          goldenId: G_CRM,
          members: [crm, sap],
          revision: 2,
        });
      });

      it('joins records linked into one golden record from two instances at once, none lost', async () => {
        await linkSourceRecord(store, anna, undefined, { trust });
        const other = await openStore();
        const results = await Promise.all([
          linkSourceRecord(store, anne, 'crm:4711', { trust }),
          linkSourceRecord(other, shopper, 'crm:4711', { trust }),
        ]);
        expect(results.map((r) => r.status)).toEqual(['applied', 'applied']);
        const golden = await store.getGolden(G_CRM);
        expect(golden?.members).toEqual([crm, sap, web]);
        // computed from all three: the one written last saw the others
        expect(golden?.record.sources).toEqual([crm, sap, web]);
        expect(golden?.revision).toBe(3);
      });

      it('refuses a stale version carried by a link, changing nothing', async () => {
        const newer = {
          ...anne,
          updatedAt: '2025-02-01T00:00:00Z',
          document: { ...anne.document, tier: 'gold' as const },
        };
        await linkSourceRecord(store, newer, undefined, { trust });
        expect(await linkSourceRecord(store, anne, undefined, { trust })).toMatchObject({
          status: 'stale',
          stale: { kind: 'older' },
          held: { updatedAt: '2025-02-01T00:00:00.000Z' },
        });
        // the store checks again in its transaction, whatever the caller decided
        const context = await store.readGoldenContext([G_SAP]);
        const result = await store.applyLink({
          key: sap,
          goldenId: G_SAP,
          events: [],
          record: anne,
          expected: [{ goldenId: G_SAP, revision: context.goldens[0].revision }],
          goldens: [recompute(crossReferenceOf(context), G_SAP, lookupOf(context, [anne]), trust)],
        });
        expect(result).toMatchObject({
          applied: false,
          reason: 'stale',
          held: { updatedAt: '2025-02-01T00:00:00.000Z' },
        });
        expect((await store.getGolden(G_SAP))?.record.document.tier).toBe('gold');
      });

      it("writes the customer a link carries in the link's transaction, by putCustomer's rule, and none with a refused one", async () => {
        const hub = current();
        const row = (updatedAt: string, tier?: string) => ({
          customerRef: 'crm:4711',
          document: { customerRef: 'crm:4711', kind: 'person', ...(tier ? { tier } : {}) },
          updatedAt,
          sourceSystem: 'crm',
        });
        const first = await linkSourceRecord(store, anna, undefined, {
          trust,
          customer: row('2025-01-01T10:00:00Z', 'silver'),
        });
        expect(first).toMatchObject({
          status: 'applied',
          customer: { created: true, changed: true, version: 1 },
        });
        expect(await hub.getCustomer('crm:4711')).toMatchObject({ version: 1, document: { tier: 'silver' } });

        // another writer came first: the change is refused, and the customer it carried is not written
        const context = await store.readGoldenContext([], [crm]);
        const refused = await store.applyLink({
          key: crm,
          goldenId: G_CRM,
          events: [],
          expected: [{ goldenId: G_CRM, revision: context.goldens[0].revision - 1 }],
          goldens: [recompute(crossReferenceOf(context), G_CRM, lookupOf(context), trust)],
          customer: row('2025-01-02T10:00:00Z', 'gold'),
        });
        expect(refused).toMatchObject({ applied: false, reason: 'conflict' });
        expect(await hub.getCustomer('crm:4711')).toMatchObject({ version: 1, document: { tier: 'silver' } });

        // a newer source version with an older customer: the link applies, the customer stays
        const later = (updatedAt: string) => ({ ...anna, updatedAt });
        expect(
          await linkSourceRecord(store, later('2025-01-03T10:00:00Z'), undefined, {
            trust,
            customer: row('2024-12-31T10:00:00Z', 'bronze'),
          }),
        ).toMatchObject({ status: 'applied', customer: { created: false, changed: false, version: 1 } });
        expect(
          await linkSourceRecord(store, later('2025-01-04T10:00:00Z'), undefined, {
            trust,
            customer: row('2025-01-04T10:00:00Z', 'gold'),
          }),
        ).toMatchObject({ status: 'applied', customer: { created: false, changed: true, version: 2 } });
        expect(await hub.getCustomer('crm:4711')).toMatchObject({ version: 2, document: { tier: 'gold' } });

        // a customer the store cannot take fails the change before anything is written
        const revision = (await store.getGolden(G_CRM))?.revision;
        await expect(
          linkSourceRecord(store, later('2025-01-05T10:00:00Z'), undefined, {
            trust,
            customer: row('yesterday'),
          }),
        ).rejects.toThrow(/store: customer\.updatedAt must be an ISO 8601 timestamp/);
        expect((await store.getGolden(G_CRM))?.revision).toBe(revision);
        expect((await store.getSourceRecord(crm))?.updatedAt).toBe('2025-01-04T10:00:00.000Z');
      });

      it("keeps a link's record and customer as they were when one document serves both and the caller changes it after the call", async () => {
        const hub = current();
        const document = structuredClone(anna.document);
        const linked = { ...anna, document };
        const context = await store.readGoldenContext([], [crm]);
        const xref = crossReferenceOf(context);
        const attached = xref.attach(crm, undefined);
        const applying = store.applyLink({
          key: crm,
          goldenId: attached.goldenId,
          events: attached.events,
          record: linked,
          expected: context.goldens.map((g) => ({ goldenId: g.goldenId, revision: g.revision })),
          goldens: [recompute(xref, attached.goldenId, lookupOf(context, [linked]), trust)],
          customer: { customerRef: 'crm:4711', document, updatedAt: anna.updatedAt, sourceSystem: 'crm' },
        });
        // a flow changes the message's customer while the write is on its way
        (document.person as { givenName: string }).givenName = 'Changed by a flow';
        document.tier = 'gold';
        expect(await applying).toMatchObject({ applied: true, customer: { created: true } });
        const stored = await store.getSourceRecord(crm);
        expect(stored?.document).toEqual(anna.document);
        expect(stored?.contentHash).toBe(contentDigest(anna.document));
        expect((await hub.getCustomer('crm:4711'))?.document).toEqual(anna.document);
      });

      it('marks a golden record for recompute when a member gets a version outside a change', async () => {
        await linkSourceRecord(store, anna, undefined, { trust });
        const before = await store.getGolden(G_CRM);
        const moved = {
          ...anna,
          updatedAt: '2025-03-01T00:00:00Z',
          document: { ...anna.document, tier: 'platinum' as const },
        };
        expect(await store.putSourceRecord(moved)).toMatchObject({ accepted: true });
        const due = await store.getGolden(G_CRM);
        expect(due).toMatchObject({ revision: (before?.revision ?? 0) + 1, recomputeNeeded: true });
        expect(due?.record.document.tier).toBeUndefined();

        await recomputeGoldenRecord(store, 'crm:4711', { trust });
        const fresh = await store.getGolden(G_CRM);
        expect(fresh).toMatchObject({ recomputeNeeded: false });
        expect(fresh?.record.document.tier).toBe('platinum');
      });

      it('refuses a change inconsistent with the state it names, with an error, writing nothing', async () => {
        await linkSourceRecord(store, anna, undefined, { trust });
        await linkSourceRecord(store, anne, undefined, { trust });
        const context = await store.readGoldenContext([G_CRM, G_SAP]);
        const xref = crossReferenceOf(context);
        const golden = recompute(xref, G_CRM, lookupOf(context), trust);
        const expected = context.goldens.map((g) => ({ goldenId: g.goldenId, revision: g.revision }));
        const { events } = xref.merge(G_CRM, G_SAP);
        await expect(
          store.applyMerge({ survivor: G_SAP, retired: G_CRM, events, expected, goldens: [golden] }),
        ).rejects.toThrow(`store: applyMerge: the survivor must be ${G_CRM}`);
        await expect(
          store.applyMerge({
            survivor: G_CRM,
            retired: G_SAP,
            events,
            expected: expected.slice(0, 1),
            goldens: [golden],
          }),
        ).rejects.toThrow(/must be named in expected/);
        await expect(
          store.applyMerge({ survivor: G_CRM, retired: G_SAP, events, expected, goldens: [] }),
        ).rejects.toThrow(/goldens must be the recomputed records of/);
        await expect(
          store.applyLink({ key: web, goldenId: G_CRM, events: [], expected, goldens: [golden] }),
        ).rejects.toThrow(`web:u-1 belongs to ${G_WEB}, which must be named in expected`);
        await expect(
          store.applyMerge({
            ...{ survivor: 'crm:4711', retired: G_SAP, events, expected, goldens: [golden] },
          }),
        ).rejects.toThrow(/merge\.survivor must be a golden id/);
        expect(await store.listGoldenMembers(G_CRM)).toEqual([crm]);
        expect((await store.readGoldenContext([G_CRM, G_SAP])).goldens.map((g) => g.revision)).toEqual([
          1, 1,
        ]);
      });
    });

    describe('events per source record', () => {
      it('says with the golden document whether a member may be deleted in its source', async () => {
        const possible = async () => (await store.getGoldenDocument(G_SAP))?.sourceDeletionPossible;
        await linkSourceRecord(store, anne, undefined, { trust });
        expect(await possible()).toBe(false);
        // an event stored without a change of the golden record: a recompute is due, it may be a deletion
        const moved = addressChanged(
          '6f9619ff-8b86-4d01-b42d-00cf4fc96401',
          'sap:80042',
          '2025-03-01T00:00:00Z',
          'Ring 2',
        );
        expect(await store.putSourceEvent(moved)).toBe(true);
        expect(await possible()).toBe(true);
        await recomputeGoldenRecord(store, G_SAP, { trust });
        expect(await possible()).toBe(false);
        const deletion: InteractionEvent = {
          ...addressChanged('6f9619ff-8b86-4d01-b42d-00cf4fc96403', 'sap:80042', '2025-03-02T00:00:00Z', ''),
          type: 'customer-deleted',
          channel: 'erp',
          source: { system: 'sap', operation: 'DEBMAS' },
          data: {},
        };
        expect(await store.putSourceEvent(deletion)).toBe(true);
        expect(await possible()).toBe(true);
        // computed again, the golden record lists the deletion among its ignored events
        await recomputeGoldenRecord(store, G_SAP, { trust });
        expect((await store.getGolden(G_SAP))?.recomputeNeeded).toBe(false);
        expect(await possible()).toBe(true);
      });

      it('keeps an event until its record arrives, then applies it, with lineage "reported via call-center"', async () => {
        const moved = addressChanged(
          '6f9619ff-8b86-4d01-b42d-00cf4fc964ff',
          'crm:4711',
          '2025-02-01T00:00:00+01:00',
          'Leopoldstraße 12',
        );
        expect(await applySourceEvent(store, moved, { trust })).toEqual({ status: 'held' });
        expect(await store.listSourceEvents(crm)).toEqual([
          { ...moved, occurredAt: '2025-01-31T23:00:00.000Z' },
        ]);
        expect(await store.putSourceEvent(moved)).toBe(false);

        await linkSourceRecord(store, anna, undefined, { trust });
        const golden = await store.getGolden('crm:4711');
        expect(golden?.record.document.addresses?.[0]).toMatchObject({
          street: 'Leopoldstraße',
          houseNumber: '12',
          city: 'München',
        });
        expect(golden?.record.lineage['addresses[0]']).toMatchObject({
          rule: 'event',
          note: 'reported via call-center',
        });
        expect(golden?.record.events).toEqual([moved.eventId]);
      });

      it('applies an event to the golden record holding its record, once per eventId', async () => {
        await linkSourceRecord(store, anna, undefined, { trust });
        const moved = addressChanged(
          '0b7e9c1a-2f4d-4e6b-9a8c-7d5e3f1b2a4c',
          'crm:4711',
          '2025-02-01T00:00:00Z',
          'Leopoldstraße 12',
        );
        const result = await applySourceEvent(store, moved, { trust });
        expect(result).toMatchObject({ status: 'applied', goldenId: G_CRM });
        expect((await store.getGolden(G_CRM))?.record.document.addresses?.[0]).toMatchObject({
          street: 'Leopoldstraße',
          houseNumber: '12',
        });
        expect(await applySourceEvent(store, moved, { trust })).toEqual({ status: 'repeat' });
        expect(
          await applySourceEvent(store, { ...moved, eventId: 'x-1', type: 'page-view' }, { trust }),
        ).toEqual({
          status: 'ignored',
        });
        expect(await store.listSourceEvents(crm)).toHaveLength(1);
      });

      it('refuses an event that is not a valid interaction event, naming the field', async () => {
        const moved = addressChanged(
          '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
          'crm:4711',
          '2025-02-01T00:00:00Z',
          'Ring 2',
        );
        await expect(store.putSourceEvent({ ...moved, occurredAt: 'yesterday' })).rejects.toThrow(
          /event\.occurredAt/,
        );
        await expect(
          store.putSourceEvent({ ...moved, customer: { ref: '4711', identifiers: [] } }),
        ).rejects.toThrow(/event\.customer\.ref/);
        expect(await store.listSourceEvents(crm)).toEqual([]);
      });
    });

    describe('review band', () => {
      it('lists open items, resolves each once, and remembers a keep-apart so the pair is not proposed again', async () => {
        const first = await store.proposeReview(proposal('sap:80042', 'crm:4711'));
        expect(first).toMatchObject({
          stored: true,
          item: { a: 'crm:4711', b: 'sap:80042', status: 'open', score: 14.6 },
        });
        expect(await store.proposeReview(proposal('crm:4711', 'sap:80042'))).toEqual({
          stored: false,
          item: first.item,
        });
        expect(await store.listReviews()).toEqual([first.item]);
        expect(await store.getReview(first.item.reviewId)).toEqual(first.item);

        const kept = await store.resolveReview(
          first.item.reviewId,
          'keep-apart',
          'steward-1',
          '2025-03-02T08:00:00+01:00',
        );
        expect(kept).toEqual({
          outcome: 'resolved',
          item: {
            ...first.item,
            status: 'kept-apart',
            resolvedBy: 'steward-1',
            resolvedAt: '2025-03-02T07:00:00.000Z',
          },
        });
        expect(await store.resolveReview(first.item.reviewId, 'link', 'steward-2')).toMatchObject({
          outcome: 'already-resolved',
          item: { status: 'kept-apart' },
        });
        expect(
          await store.proposeReview(proposal('crm:4711', 'sap:80042', '2025-04-01T00:00:00Z')),
        ).toMatchObject({
          stored: false,
          item: { status: 'kept-apart' },
        });
        expect(await store.isKeptApart('sap:80042', 'crm:4711')).toBe(true);
        expect(await store.isKeptApart('crm:4711', 'web:u-1')).toBe(false);
        expect(await store.listReviews()).toEqual([]);
        expect(await store.listReviews({ status: 'kept-apart' })).toHaveLength(1);
        expect(await store.resolveReview('no-such-item', 'link', 'steward-1')).toEqual({
          outcome: 'not-found',
        });
      });

      it('links the kept-apart items a forced merge overrules in its transaction, the keep-apart in earlier', async () => {
        await linkSourceRecord(store, anna, undefined, { trust });
        await linkSourceRecord(store, anne, undefined, { trust });
        await linkSourceRecord(store, shopper, undefined, { trust });
        const kept = await store.proposeReview(proposal('crm:4711', 'sap:80042'));
        await store.resolveReview(kept.item.reviewId, 'keep-apart', 'steward-1', '2025-03-02T07:00:00.000Z');
        // a keep-apart between crm:4711 and a record this merge does not join stays as it is
        const other = await store.proposeReview(proposal('crm:4711', 'web:u-1'));
        await store.resolveReview(other.item.reviewId, 'keep-apart', 'steward-1', '2025-03-02T07:00:00.000Z');
        const refused = await mergeGoldenRecords(store, G_CRM, G_SAP, { trust });
        expect(refused).toMatchObject({ status: 'kept-apart', review: { reviewId: kept.item.reviewId } });

        const forced = await mergeGoldenRecords(store, G_CRM, G_SAP, {
          trust,
          force: true,
          by: 'steward-2',
          at: '2025-03-03T07:00:00.000Z',
        });
        expect(forced.status).toBe('applied');
        expect(await store.getReview(kept.item.reviewId)).toEqual({
          ...kept.item,
          status: 'linked',
          resolvedBy: 'steward-2',
          resolvedAt: '2025-03-03T07:00:00.000Z',
          earlier: [
            {
              status: 'kept-apart',
              proposedAt: kept.item.proposedAt,
              resolvedBy: 'steward-1',
              resolvedAt: '2025-03-02T07:00:00.000Z',
            },
          ],
        });
        expect(await store.isKeptApart('crm:4711', 'sap:80042')).toBe(false);
        expect(await store.listReviews({ status: 'kept-apart' })).toEqual([
          expect.objectContaining({ reviewId: other.item.reviewId }),
        ]);
        expect(await store.listReviews({ status: 'linked' })).toEqual([
          expect.objectContaining({ reviewId: kept.item.reviewId }),
        ]);
      });

      it('pages the band oldest first and lets one of two stewards deciding at once win', async () => {
        const items = [];
        for (const [i, other] of ['sap:1', 'sap:2', 'sap:3'].entries()) {
          items.push(
            (await store.proposeReview(proposal('crm:4711', other, `2025-03-0${3 - i}T00:00:00Z`))).item,
          );
        }
        const page = await store.listReviews({ limit: 2 });
        expect(page.map((i) => i.b)).toEqual(['sap:3', 'sap:2']);
        expect((await store.listReviews({ after: page[1] })).map((i) => i.b)).toEqual(['sap:1']);

        const second = await openStore();
        const decisions = await Promise.all([
          store.resolveReview(items[0].reviewId, 'link', 'steward-1'),
          second.resolveReview(items[0].reviewId, 'keep-apart', 'steward-2'),
        ]);
        expect(decisions.filter((d) => d.outcome === 'resolved')).toHaveLength(1);
        await expect(store.listReviews({ limit: 0 })).rejects.toThrow(/options\.limit/);
        await expect(store.proposeReview(proposal('crm:4711', 'crm:4711'))).rejects.toThrow(/must differ/);
      });

      it('resolves an item as link in the transaction of the merge, and refuses a merge of a closed item', async () => {
        await linkSourceRecord(store, anna, undefined, { trust });
        await linkSourceRecord(store, anne, undefined, { trust });
        const { item } = await store.proposeReview(proposal('crm:4711', 'sap:80042'));
        const review = { reviewId: item.reviewId, by: 'steward-1' };
        expect(await mergeGoldenRecords(store, item.a, item.b, { trust, review })).toMatchObject({
          status: 'applied',
        });
        expect(await store.getReview(item.reviewId)).toMatchObject({
          status: 'linked',
          resolvedBy: 'steward-1',
        });

        // the unmerge proposes the linked pair again and keeps it apart: the link before stays on the
        // item, the steward's trail
        await unmergeGoldenRecord(store, G_CRM, [sap], { trust, by: 'steward-2' });
        const split = await store.getReview(item.reviewId);
        expect(split).toMatchObject({ status: 'kept-apart', resolvedBy: 'steward-2' });
        expect(split?.earlier).toEqual([
          {
            status: 'linked',
            proposedAt: item.proposedAt,
            resolvedBy: 'steward-1',
            resolvedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
          },
        ]);
        // kept apart: not proposed again
        const again = await store.proposeReview(proposal('crm:4711', 'sap:80042', '2025-05-01T00:00:00Z'));
        expect(again).toMatchObject({ stored: false, item: { status: 'kept-apart' } });
        expect(await mergeGoldenRecords(store, item.a, item.b, { trust, review })).toMatchObject({
          status: 'review-closed',
          review: { status: 'kept-apart' },
        });
        expect(await store.listGoldenMembers(G_CRM)).toEqual([crm]);
      });
    });

    describe('outbox and restart', () => {
      it('keeps the events of applied changes until published, in order', async () => {
        await linkSourceRecord(store, anna, undefined, { trust });
        await linkSourceRecord(store, anne, undefined, { trust });
        await mergeGoldenRecords(store, G_CRM, G_SAP, { trust });
        const outbox = await store.listGoldenOutbox();
        expect(outbox.map((e) => [e.goldenId, e.event.type])).toEqual([
          [G_CRM, 'golden.changed'],
          [G_SAP, 'golden.changed'],
          [G_CRM, 'golden.merged'],
          [G_CRM, 'golden.changed'],
        ]);
        expect(outbox.map((e) => e.seq)).toEqual([...outbox.map((e) => e.seq)].sort((x, y) => x - y));
        expect(outbox[3].event).toMatchObject({
          revision: 2,
          members: [crm, sap],
          document: { customerRef: `hub:${G_CRM}` },
        });
        expect(await store.listGoldenOutbox(1)).toEqual(outbox.slice(0, 1));

        expect(await store.markGoldenPublished([outbox[0].seq, outbox[1].seq])).toBe(2);
        expect(await store.markGoldenPublished([outbox[0].seq])).toBe(0);
        expect(await store.listGoldenOutbox()).toEqual(outbox.slice(2));
        await expect(store.markGoldenPublished([0])).rejects.toThrow(/seqs/);
      });

      it('lists past the seqs a publisher holds, the limit counting only what it returns', async () => {
        await linkSourceRecord(store, anna, undefined, { trust });
        await linkSourceRecord(store, anne, undefined, { trust });
        await mergeGoldenRecords(store, G_CRM, G_SAP, { trust });
        const outbox = await store.listGoldenOutbox();
        const [first, second, third, fourth] = outbox.map((e) => e.seq);
        expect(await store.listGoldenOutbox(2, [first, second])).toEqual(outbox.slice(2));
        expect(await store.listGoldenOutbox(100, [second, fourth])).toEqual([outbox[0], outbox[2]]);
        expect(await store.listGoldenOutbox(1, [first, third])).toEqual([outbox[1]]);
        // a seq no longer (or never) in the outbox is simply not there to leave out
        expect(await store.listGoldenOutbox(100, [fourth + 1000])).toEqual(outbox);
        expect(await store.listGoldenOutbox(100, [])).toEqual(outbox);
        await expect(store.listGoldenOutbox(100, [0])).rejects.toThrow(/seqs/);
      });

      it('lists an entry as it was written, whatever is done to the events its change returned', async () => {
        // the change's events go on to flows, which may change them; the outbox must not follow
        const linked = await linkSourceRecord(store, anna, undefined, { trust });
        const before = await store.listGoldenOutbox();
        expect(linked).toMatchObject({ status: 'applied' });
        const [event] = (linked as { events: GoldenChangedEvent[] }).events;
        event.document.person = { givenName: 'Changed' };
        event.lineage = {};
        event.members.push(sap);
        const listed = await store.listGoldenOutbox();
        expect(listed).toEqual(before);
        expect(listed[0].event).toMatchObject({
          document: { person: { givenName: 'Anna', familyName: 'Schmidt' } },
          members: [crm],
        });
      });

      it('does not list what another instance on the same data marked published', async () => {
        await linkSourceRecord(store, anna, undefined, { trust });
        await linkSourceRecord(store, anne, undefined, { trust });
        const outbox = await store.listGoldenOutbox();
        const other = await openStore();
        expect(await other.listGoldenOutbox()).toEqual(outbox);
        expect(await other.markGoldenPublished([outbox[0].seq])).toBe(1);
        expect(await store.listGoldenOutbox()).toEqual(outbox.slice(1));
      });

      it('keeps with each entry the cause it was written with, and none for an entry written without', async () => {
        // the publisher reads the trace from the entry: a cause held anywhere else can miss a drain
        const cause = {
          traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
          eventId: 'f3a1c2d4-0b1e-4c5d-9e8f-7a6b5c4d3e2f',
        };
        await linkSourceRecord(store, anna, undefined, { trust, cause });
        await linkSourceRecord(store, anne, undefined, { trust });
        await mergeGoldenRecords(store, G_CRM, G_SAP, {
          trust,
          cause: { traceparent: '00-11111111111111111111111111111111-2222222222222222-01' },
        });
        const outbox = await store.listGoldenOutbox();
        expect(outbox.map((e) => [e.event.type, e.cause])).toEqual([
          ['golden.changed', cause],
          ['golden.changed', undefined],
          ['golden.merged', { traceparent: '00-11111111111111111111111111111111-2222222222222222-01' }],
          ['golden.changed', { traceparent: '00-11111111111111111111111111111111-2222222222222222-01' }],
        ]);
        expect(outbox[1]).not.toHaveProperty('cause');
        await expect(
          linkSourceRecord(store, shopper, undefined, { trust, cause: { traceparent: '' } }),
        ).rejects.toThrow(/cause\.traceparent/);
      });

      it('keeps records, cross-reference, golden records, events, reviews and outbox when closed and opened again', async () => {
        await linkSourceRecord(store, anna, undefined, {
          trust,
          cause: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', eventId: 'e-1' },
        });
        await linkSourceRecord(store, anne, 'crm:4711', { trust });
        await applySourceEvent(
          store,
          addressChanged(
            '3c1d2b4a-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
            'sap:80042',
            '2025-03-01T00:00:00Z',
            'Ring 9',
          ),
          { trust },
        );
        const { item } = await store.proposeReview(proposal('crm:4711', 'web:u-1'));
        const golden = await store.getGolden(G_CRM);
        const outbox = await store.listGoldenOutbox();
        await current().close();

        const reopened = await openStore();
        expect(await reopened.getGolden(G_SAP)).toEqual(golden);
        expect(await reopened.getSourceRecord(sap)).toMatchObject({ updatedAt: anne.updatedAt });
        expect((await reopened.listSourceEvents(sap)).map((e) => e.eventId)).toEqual([
          '3c1d2b4a-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
        ]);
        expect(await reopened.listReviews()).toEqual([item]);
        expect(await reopened.listGoldenOutbox()).toEqual(outbox);
        // the outbox goes on after the entries it had, and revisions after the ones stored
        await unmergeGoldenRecord(reopened, G_CRM, [sap], { trust });
        const next = await reopened.listGoldenOutbox();
        expect(next[outbox.length].seq).toBeGreaterThan(outbox[outbox.length - 1].seq);
        expect((await reopened.getGolden(G_CRM))?.revision).toBe((golden?.revision ?? 0) + 1);
        expect((await reopened.getGolden(G_SAP))?.record.document.addresses?.[0]).toMatchObject({
          street: 'Ring',
          houseNumber: '9',
        });
      });
    });
  });
}
