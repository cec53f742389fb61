/**
 * The generated document builder (template.ts): missing optional fields are left out (never written
 * and deleted), keys keep the template's order, lists of objects close up, leaf lists keep positions.
 */
import { OutputTemplate } from '../../../mappings/template';

const field = (index: number, optional = true) => ({ kind: 'field' as const, index, optional });

function builder(setup: (template: OutputTemplate) => void) {
  const template = new OutputTemplate();
  setup(template);
  return template.compile();
}

describe('document builder', () => {
  const build = builder((t) => {
    t.addConstant(['schemaVersion'], '1.0');
    t.addLeaf(['ref'], field(0, false));
    t.addLeaf(['person', 'title'], field(1));
    t.addLeaf(['person', 'familyName'], field(2));
    t.addLeaf(['tier'], field(3));
    t.addConstant(['source', 'system'], 'sap');
    t.addLeaf(['source', 'recordId'], field(4));
    t.addLeaf(['phones', 0, 'number'], field(5));
    t.addConstant(['phones', 0, 'type'], 'work');
    t.addLeaf(['phones', 1, 'number'], field(6));
    t.addLeaf(['lines', 0], field(7));
    t.addLeaf(['lines', 1], field(8));
    t.addLeaf(['updatedAt'], field(9, false));
  });
  const values = (entries: Record<number, unknown>) => Array.from({ length: 10 }, (_, i) => entries[i]);

  it('writes every field in template order when all are there', () => {
    const doc = build(
      values({
        0: 'r',
        1: 'Dr.',
        2: 'Schmidt',
        3: 'gold',
        4: '17',
        5: '+491',
        6: '+492',
        7: 'a',
        8: 'b',
        9: 't',
      }),
      undefined,
      undefined,
    );
    expect(JSON.stringify(doc)).toBe(
      JSON.stringify({
        schemaVersion: '1.0',
        ref: 'r',
        person: { title: 'Dr.', familyName: 'Schmidt' },
        tier: 'gold',
        source: { system: 'sap', recordId: '17' },
        phones: [{ number: '+491', type: 'work' }, { number: '+492' }],
        lines: ['a', 'b'],
        updatedAt: 't',
      }),
    );
  });

  it('leaves out missing fields and containers with nothing in them, keeping the order of the rest', () => {
    const doc = build(values({ 0: 'r', 2: 'Schmidt', 6: '+492', 8: 'b', 9: 't' }), undefined, undefined);
    expect(JSON.stringify(doc)).toBe(
      JSON.stringify({
        schemaVersion: '1.0',
        ref: 'r',
        person: { familyName: 'Schmidt' },
        source: { system: 'sap' },
        // phones[0] keeps its constant type, so it stays; the list does not close up around it
        phones: [{ type: 'work' }, { number: '+492' }],
        lines: [undefined, 'b'],
        updatedAt: 't',
      }),
    );
    expect(Object.keys(doc)).toEqual([
      'schemaVersion',
      'ref',
      'person',
      'source',
      'phones',
      'lines',
      'updatedAt',
    ]);
    // a missing leaf of a list is a hole, as before
    expect(0 in (doc.lines as unknown[])).toBe(false);
    expect('tier' in doc).toBe(false);
  });

  it('drops lists and objects whose fields are all missing', () => {
    const doc = build(values({ 0: 'r', 9: 't' }), undefined, undefined);
    expect(doc).toStrictEqual({
      schemaVersion: '1.0',
      ref: 'r',
      source: { system: 'sap' },
      phones: [{ type: 'work' }],
      updatedAt: 't',
    });
  });

  it('closes up lists of optional objects', () => {
    const closing = builder((t) => {
      t.addLeaf(['phones', 0, 'number'], field(0));
      t.addLeaf(['phones', 1, 'number'], field(1));
      t.addLeaf(['phones', 2, 'number'], field(2));
      t.addLeaf(['emails', 1, 'address'], field(3));
    });
    expect(closing(['a', undefined, 'c', 'x'], undefined, undefined)).toStrictEqual({
      phones: [{ number: 'a' }, { number: 'c' }],
      emails: [{ address: 'x' }],
    });
    expect(closing([undefined, 'b', undefined, undefined], undefined, undefined)).toStrictEqual({
      phones: [{ number: 'b' }],
    });
    expect(closing([undefined, undefined, undefined, undefined], undefined, undefined)).toStrictEqual({});
  });

  it('builds a new document each time, sharing nothing', () => {
    const first = build(values({ 0: 'r', 2: 'A', 9: 't' }), undefined, undefined);
    const second = build(values({ 0: 'r', 2: 'B', 9: 't' }), undefined, undefined);
    expect(first.person).toEqual({ familyName: 'A' });
    expect(second.person).toEqual({ familyName: 'B' });
    expect(first.source).not.toBe(second.source);
  });

  it('takes envelope fields from its arguments', () => {
    const envelope = builder((t) => {
      t.addLeaf(['eventId'], { kind: 'envelope', name: 'eventId' });
      t.addLeaf(['occurredAt'], { kind: 'envelope', name: 'occurredAt' });
      t.addLeaf(['data', 'x'], field(0));
    });
    expect(envelope([1], 'id', 'at')).toStrictEqual({ eventId: 'id', occurredAt: 'at', data: { x: 1 } });
    expect(envelope([undefined], 'id', 'at')).toStrictEqual({ eventId: 'id', occurredAt: 'at' });
  });
});
