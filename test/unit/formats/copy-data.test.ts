import { copyData, frozenCopyData } from '../../../formats/copy-data';

describe('copyData', () => {
  it('copies plain data deeply: the copy shares nothing, is not frozen, and equals what structuredClone gives', () => {
    const source = Object.freeze({
      customerRef: 'sap:4711',
      name: Object.freeze({ given: 'Anna', family: 'Müller' }),
      identifiers: Object.freeze([Object.freeze({ system: 'sap', id: '4711' })]),
      tags: ['a', null, 3, true],
      missing: undefined,
    });
    const copy = copyData(source);
    expect(copy).toEqual(structuredClone(source));
    expect(Object.keys(copy)).toEqual(Object.keys(source));
    expect(copy.name).not.toBe(source.name);
    expect(copy.identifiers[0]).not.toBe(source.identifiers[0]);
    expect(Object.isFrozen(copy) || Object.isFrozen(copy.name) || Object.isFrozen(copy.identifiers)).toBe(
      false,
    );
    (copy.name as { given: string }).given = 'Anne';
    expect(source.name.given).toBe('Anna');
  });

  it('hands what is not plain to structuredClone: a Date stays a Date, a function is refused', () => {
    const at = new Date('2026-12-05T02:00:00Z');
    const copy = copyData({ at, seen: new Map([['web', 1]]) });
    // structuredClone makes it in Node's realm, not jest's: Date is checked by its tag
    expect(Object.prototype.toString.call(copy.at)).toBe('[object Date]');
    expect(copy.at).not.toBe(at);
    expect(copy.at.getTime()).toBe(at.getTime());
    expect(copy.seen.get('web')).toBe(1);
    expect(() => copyData({ call: () => 1 })).toThrow();
  });

  it('copies a cycle below its depth limit through structuredClone instead of recursing forever', () => {
    const node: { next?: unknown; name: string } = { name: 'loop' };
    node.next = node;
    const copy = copyData(node) as { next: { name: string } };
    expect(copy).not.toBe(node);
    expect(copy.next.name).toBe('loop');
  });
});

/** every object and array reachable from the value is frozen (a cycle is followed once) */
function frozenThroughout(value: unknown, seen = new Set<unknown>()): boolean {
  if (typeof value !== 'object' || value === null || seen.has(value)) return true;
  seen.add(value);
  return Object.isFrozen(value) && Object.values(value).every((v) => frozenThroughout(v, seen));
}

describe('frozenCopyData', () => {
  it('copies plain data deeply and freezes the copy throughout, leaving the source as it was', () => {
    const source = {
      customerRef: 'sap:4711',
      name: { given: 'Anna', family: 'Müller' },
      identifiers: [{ system: 'sap', id: '4711' }],
      tags: ['a', null, 3, true],
      missing: undefined,
    };
    const copy = frozenCopyData(source);
    expect(copy).toEqual(copyData(source));
    expect(Object.keys(copy)).toEqual(Object.keys(source));
    expect(copy.identifiers[0]).not.toBe(source.identifiers[0]);
    expect(frozenThroughout(copy)).toBe(true);
    expect(Object.isFrozen(source) || Object.isFrozen(source.name) || Object.isFrozen(source.tags)).toBe(
      false,
    );
    source.name.given = 'Anne';
    expect(copy.name.given).toBe('Anna');
  });

  it('freezes what structuredClone copies for it, and a cycle below its depth limit', () => {
    const node: { next?: unknown; name: string; at: Date } = { name: 'loop', at: new Date(0) };
    node.next = node;
    const copy = frozenCopyData({ node }) as { node: { next: { name: string }; at: Date } };
    expect(copy.node.next.name).toBe('loop');
    expect(Object.isFrozen(copy.node.at)).toBe(true);
    expect(frozenThroughout(copy)).toBe(true);
    expect(Object.isFrozen(node)).toBe(false);
  });
});
