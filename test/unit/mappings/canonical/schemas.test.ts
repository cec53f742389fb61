import {
  canonicalSchemaNameOf,
  compileValidator,
  listCanonicalSchemas,
  loadCanonicalSchema,
  resolveCanonicalRef,
} from '../../../../mappings/validate';

const COMMON = 'https://crm-hub.dev/schemas/common/1.0';
type Node = Record<string, unknown>;

function refsIn(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(refsIn);
  if (typeof node !== 'object' || node === null) return [];
  return Object.entries(node).flatMap(([key, value]) =>
    key === '$ref' && typeof value === 'string' ? [value] : refsIn(value),
  );
}

describe('canonical schemas: files, ids and references', () => {
  it('ships the six entities and the common parts, each versioned by $id', () => {
    expect(listCanonicalSchemas()).toEqual([
      'account',
      'common',
      'customer',
      'interaction-event',
      'offer',
      'process-state',
      'response',
    ]);
    for (const name of listCanonicalSchemas()) {
      const schema = loadCanonicalSchema(name);
      expect([name, schema.$schema, schema.$id]).toEqual([
        name,
        'https://json-schema.org/draft/2020-12/schema',
        `https://crm-hub.dev/schemas/${name}/1.0`,
      ]);
      expect(canonicalSchemaNameOf(`https://crm-hub.dev/schemas/${name}/1.0`)).toBe(name);
    }
  });

  it('every $ref resolves, and cross-schema refs only point into common', () => {
    for (const name of listCanonicalSchemas()) {
      const schema = loadCanonicalSchema(name);
      for (const ref of refsIn(schema)) {
        expect([name, ref, resolveCanonicalRef(ref, schema) !== undefined]).toEqual([name, ref, true]);
        if (!ref.startsWith('#')) expect(ref.startsWith(`${COMMON}#/$defs/`)).toBe(true);
      }
    }
  });

  it('resolves chains across schemas and against the right document', () => {
    const customer = loadCanonicalSchema('customer');
    const ref = resolveCanonicalRef(`${COMMON}#/$defs/CustomerRef`, customer);
    expect(ref?.within).toBe(loadCanonicalSchema('common'));
    expect((ref?.node as Node).pattern).toBe('^[a-z0-9]+(-[a-z0-9]+)*:.+$');
    expect((resolveCanonicalRef('#/$defs/Phone', customer)?.node as Node).required).toEqual([
      'number',
      'type',
    ]);
    expect(resolveCanonicalRef('#/$defs/Nope', customer)).toBeUndefined();
    expect(resolveCanonicalRef('https://example.com/other#/$defs/Money', customer)).toBeUndefined();
  });

  it('a schema compiled first still resolves common (all schemas are registered)', () => {
    // account is compiled by no other test in this file before this line
    expect(compileValidator('account')({})).toEqual({
      ok: false,
      errors: expect.arrayContaining([{ field: 'identifiers', message: 'is required', rule: 'required' }]),
    });
  });

  it("the event's own $defs agree with the common parts they duplicate", () => {
    // The event keeps local $defs so the mapping engine's field-path check can walk into them.
    const event = loadCanonicalSchema('interaction-event') as {
      $defs: Record<string, Node>;
      properties: Node;
    };
    const common = (loadCanonicalSchema('common') as { $defs: Record<string, Node> }).$defs;
    const shape = (node: Node, within: Node): Record<string, unknown> => {
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(node.properties as Record<string, Node>)) {
        const target = (value.$ref ? resolveCanonicalRef(value.$ref as string, within)?.node : value) as Node;
        out[key] = target.pattern ?? target.type ?? target.enum;
      }
      return out;
    };
    const commonDoc = loadCanonicalSchema('common');
    const eventDoc = loadCanonicalSchema('interaction-event');
    expect(shape(event.$defs.money, eventDoc)).toEqual(shape(common.Money, commonDoc));
    expect(shape(event.$defs.identifier, eventDoc)).toEqual(shape(common.Identifier, commonDoc));
    expect(shape(event.properties.source as Node, eventDoc)).toEqual(shape(common.Source, commonDoc));
    expect((event.properties.channel as Node).enum).toEqual(common.Channel.enum);
    expect(((event.properties.customer as Node).properties as Record<string, Node>).ref.pattern).toBe(
      common.Ref.pattern,
    );
    expect((event.$defs.address.properties as Record<string, Node>).country.pattern).toBe(
      common.CountryCode.pattern,
    );
  });

  it('common on its own constrains nothing, so validating against it is harmless', () => {
    expect(compileValidator('common')({ anything: 1 })).toEqual({ ok: true });
  });
});
