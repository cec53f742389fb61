/** The cross-reference: golden ids, attach, merge and unmerge with their events, and restored lineage. */
import type { Customer, InteractionEvent } from '../../../mappings/canonical/types';
import {
  CrossReference,
  goldenIdFor,
  isGoldenId,
  mergeGolden,
  recompute,
  unmergeGolden,
  type SourceLookup,
} from '../../../records/cross-reference';
import { sourceRef, type SourceKey, type SourceRecord } from '../../../records/source-versions';
import type { TrustConfig } from '../../../records/trust';

const crm: SourceKey = { system: 'crm', sourceId: '4711' };
const sap: SourceKey = { system: 'sap', sourceId: '80042' };
const web: SourceKey = { system: 'web', sourceId: 'u-1' };

describe('golden ids', () => {
  it('are opaque, stable and distinct per source ref, with no colon', () => {
    const id = goldenIdFor(sap);
    expect(id).toMatch(/^g-[0-9a-hjkmnp-tv-z]{26}$/);
    expect(isGoldenId(id)).toBe(true);
    expect(goldenIdFor({ system: 'sap', sourceId: '80042' })).toBe(id);
    expect(goldenIdFor({ system: 'sap', sourceId: '80043' })).not.toBe(id);
    expect(isGoldenId('sap:80042')).toBe(false);
  });

  it('end the same whatever order the records of one customer arrive in', () => {
    const orders = [
      [crm, sap, web],
      [crm, web, sap],
      [sap, crm, web],
      [sap, web, crm],
      [web, crm, sap],
      [web, sap, crm],
    ];
    const finals = orders.map((order) => {
      const xref = new CrossReference();
      const first = xref.attach(order[0]).goldenId;
      let current = first;
      for (const key of order.slice(1)) current = xref.attach(key, current).goldenId;
      return { current, first, resolvedFirst: xref.resolve(first), entries: xref.entries() };
    });
    for (const result of finals) {
      expect(result.current).toBe(goldenIdFor(crm));
      // an id handed out earlier still resolves
      expect(result.resolvedFirst).toBe(goldenIdFor(crm));
      expect(result.entries).toEqual(finals[0].entries);
    }
  });
});

describe('attach, merge and unmerge', () => {
  it('attach: alone a new golden record; into one, the same id, or the id moves to a smaller ref with a merge event', () => {
    const xref = new CrossReference();
    expect(xref.attach(sap)).toEqual({ goldenId: goldenIdFor(sap), created: true, events: [] });
    expect(xref.attach(web, goldenIdFor(sap))).toEqual({
      goldenId: goldenIdFor(sap),
      created: false,
      events: [],
    });
    const moved = xref.attach(crm, 'sap:80042');
    expect(moved.goldenId).toBe(goldenIdFor(crm));
    expect(moved.events).toEqual([
      {
        type: 'golden.merged',
        eventId: expect.stringMatching(
          /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
        ),
        survivor: goldenIdFor(crm),
        retired: goldenIdFor(sap),
        moved: [sap, web],
      },
    ]);
    expect(xref.sourcesOf(goldenIdFor(crm))).toEqual([crm, sap, web]);
    expect(xref.resolve(goldenIdFor(sap))).toBe(goldenIdFor(crm));
    expect(xref.resolve('web:u-1')).toBe(goldenIdFor(crm));
    expect(xref.resolve('web:u-2')).toBeUndefined();
    expect(() => xref.attach(web, goldenIdFor(sap))).not.toThrow();
    expect(xref.attach(web)).toMatchObject({ goldenId: goldenIdFor(crm), created: false });
  });

  it('merge keeps the id of the smaller ref, retires the other, and says which records moved', () => {
    const xref = new CrossReference();
    const a = xref.attach(sap).goldenId;
    xref.attach(web, a);
    const b = xref.attach(crm).goldenId;
    const result = xref.merge(a, b, '2025-02-01T00:00:00.000Z');
    expect(result).toEqual({
      survivor: b,
      retired: a,
      events: [
        {
          type: 'golden.merged',
          eventId: expect.any(String),
          survivor: b,
          retired: a,
          moved: [sap, web],
          at: '2025-02-01T00:00:00.000Z',
        },
      ],
    });
    expect(xref.goldenIdOf(sap)).toBe(b);
    expect(xref.resolve(a)).toBe(b);
    expect(() => xref.merge(a, b)).toThrow(`cannot merge ${b} with itself`);
    expect(() => xref.merge('g-unknown', b)).toThrow('no golden record "g-unknown"');
  });

  it('unmerge gives each part the id of its own smallest ref: the ids from before the merge come back', () => {
    const xref = new CrossReference();
    const a = xref.attach(sap).goldenId;
    xref.attach(web, a);
    const b = xref.attach(crm).goldenId;
    const merged = xref.merge(a, b);
    const split = xref.unmerge(b, [sap, web]);
    expect(split.parts).toEqual(
      [
        { goldenId: b, sources: [crm] },
        { goldenId: a, sources: [sap, web] },
      ].sort((x, y) => (x.goldenId < y.goldenId ? -1 : 1)),
    );
    expect(split.events).toEqual([
      { type: 'golden.unmerged', eventId: expect.any(String), from: b, restored: split.parts },
    ]);
    expect(split.events[0].eventId).not.toBe(merged.events[0].eventId);
    expect(xref.resolve(a)).toBe(a);
    expect(xref.goldenIdOf(web)).toBe(a);
  });

  it('refuses an unmerge of a record that is not a member, or of all or none of them', () => {
    const xref = new CrossReference();
    const id = xref.attach(crm).goldenId;
    xref.attach(sap, id);
    expect(() => xref.unmerge(id, [web])).toThrow(`web:u-1 is not a source record of ${id}`);
    expect(() => xref.unmerge(id, [crm, sap])).toThrow(
      'must split off some of its source records, not none or all',
    );
    expect(() => xref.unmerge(id, [])).toThrow('not none or all');
  });

  it('entries round-trip through a store: ids, members and retired ids', () => {
    const xref = new CrossReference();
    const a = xref.attach(sap).goldenId;
    xref.attach(crm, a);
    const copy = new CrossReference(xref.entries());
    expect(copy.entries()).toEqual(xref.entries());
    expect(copy.resolve(a)).toBe(goldenIdFor(crm));
    expect(() => new CrossReference([{ ...sap, goldenId: a }])).not.toThrow();
    expect(() => new CrossReference([{ ...crm, goldenId: a }])).toThrow(
      `golden ${a} should be ${goldenIdFor(crm)}, the id of its smallest source ref`,
    );
  });
});

describe('merge and unmerge recompute the golden records', () => {
  const trust: TrustConfig = { systems: { sap: { default: 9 }, crm: { default: 5 } } };
  const doc = (key: SourceKey, fields: Partial<Customer>): SourceRecord => ({
    ...key,
    updatedAt: '2025-01-01T00:00:00Z',
    document: { kind: 'person', identifiers: [{ system: key.system, id: key.sourceId }], ...fields },
  });
  const records = new Map<string, SourceRecord[]>([
    [
      sourceRef(crm),
      [
        doc(crm, {
          person: { givenName: 'Anna', familyName: 'Schmidt' },
          addresses: [{ type: 'home', street: 'Alte Gasse 3', city: 'Berlin', country: 'DE' }],
        }),
      ],
    ],
    [
      sourceRef(sap),
      [
        doc(sap, {
          person: { givenName: 'Anne', familyName: 'Schmitt' },
          birthDate: '1962-07-01',
          addresses: [{ type: 'postal', street: 'Ring 1', city: 'Köln', country: 'DE' }],
        }),
      ],
    ],
  ]);
  const moved: InteractionEvent = {
    eventId: '6f9619ff-8b86-4d01-b42d-00cf4fc964ff',
    schemaVersion: '1.0',
    type: 'address-changed',
    occurredAt: '2025-02-01T00:00:00Z',
    channel: 'call-center',
    source: { system: 'crm' },
    customer: { ref: 'crm:4711', identifiers: [{ system: 'crm', id: '4711' }] },
    data: { address: { street: 'Leopoldstraße 12', postalCode: '80802', city: 'München', country: 'DE' } },
  };
  const lookup: SourceLookup = {
    recordsOf: (key) => records.get(sourceRef(key)) ?? [],
    eventsOf: (key) => (sourceRef(key) === moved.customer.ref ? [moved] : []),
  };

  it('a wrong merge and its unmerge: each record gets back its own values, lineage and events', () => {
    const xref = new CrossReference();
    const a = xref.attach(crm).goldenId;
    const b = xref.attach(sap).goldenId;
    const before = { crm: recompute(xref, a, lookup, trust), sap: recompute(xref, b, lookup, trust) };

    const merged = mergeGolden(xref, a, b, lookup, { trust });
    expect(merged.golden.goldenId).toBe(a);
    expect(merged.golden.document.person).toEqual({ givenName: 'Anne', familyName: 'Schmitt' });
    expect(merged.golden.lineage['person.familyName'].source).toEqual(sap);
    expect(merged.golden.document.addresses?.[0].city).toBe('München');

    const { goldens, events } = unmergeGolden(xref, a, [sap], lookup, { trust });
    expect(events[0].type).toBe('golden.unmerged');
    const byId = Object.fromEntries(goldens.map((g) => [g.goldenId, g]));
    expect(byId[a]).toEqual(before.crm);
    expect(byId[b]).toEqual(before.sap);
    expect(byId[a].lineage['person.familyName'].source).toEqual(crm);
    expect(byId[a].lineage['addresses[0]']).toMatchObject({
      rule: 'event',
      note: 'reported via call-center',
    });
    expect(byId[b].document.addresses).toEqual([
      { type: 'postal', street: 'Ring 1', city: 'Köln', country: 'DE' },
    ]);
    expect(byId[b].events).toEqual([]);
  });
});
