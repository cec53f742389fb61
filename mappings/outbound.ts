/**
 * The outbound direction: a canonical document to the record tree a legacy encoder (IDoc XML, CSV,
 * fixed width) writes. The canonical input is validated first, so the rules can rely on its shape;
 * the output is plain JSON whose leaves are text.
 */
import { compileBlock, RuleFailure, type CompiledBlock } from './block';
import { failure, fromRuleFailure, specSystem } from './mapping-errors';
import { MappingSpecError, type MapContext, type MapResult, type SystemSpec } from './mapping-types';
import { isPlainObject } from './transform-support';
import { compileMappingValidator, loadCanonicalSchema } from './validate';

/** Nested objects and lists whose leaves are text, as legacy encoders take them. */
export type LegacyRecord = Record<string, unknown>;

export interface CompiledOutbound {
  readonly system: string;
  readonly recordKind: string;
  readonly consumes: string;
  map(canonical: unknown, context?: MapContext): MapResult<LegacyRecord>;
}

const OUTBOUND_MAPPING_KEYS = new Set(['consumes', 'description', 'set', 'fields']);

export function compileOutbound(spec: SystemSpec, recordKind: string): CompiledOutbound {
  const system = specSystem(spec);
  const where = `outbound mapping ${system}/${recordKind}`;
  const outbound: unknown = spec.outbound;
  if (!isPlainObject(outbound))
    throw new MappingSpecError(`mapping ${system}: has no "outbound" record kinds`);
  const mapping: unknown = Object.hasOwn(outbound, recordKind) ? outbound[recordKind] : undefined;
  if (!isPlainObject(mapping)) {
    throw new MappingSpecError(
      `${where}: no such record kind (known: ${Object.keys(outbound).join(', ') || 'none'})`,
    );
  }
  for (const key of Object.keys(mapping)) {
    if (!OUTBOUND_MAPPING_KEYS.has(key)) throw new MappingSpecError(`${where}: unknown key "${key}"`);
  }
  const consumes = mapping.consumes as string;
  let schema: Record<string, unknown>;
  try {
    schema = loadCanonicalSchema(consumes);
  } catch (error) {
    throw new MappingSpecError(`${where}: "consumes": ${(error as Error).message}`);
  }
  // Every sync target projects each golden change (its echo check) and from-canonical maps it again:
  // the verdict-first validator gives the same verdict and, for a refused document, the same errors.
  const validate = compileMappingValidator(consumes);
  const block: CompiledBlock = compileBlock({
    where,
    direction: 'outbound',
    rules: mapping.fields,
    set: mapping.set,
    source: { root: schema, node: schema },
    sourceDocument: { root: schema, node: schema },
    envelope: false,
    links: [],
    linkPrefix: { target: '', source: '' },
  });

  const map = (canonical: unknown, context: MapContext = {}): MapResult<LegacyRecord> => {
    const record = context.recordRef;
    const checked = validate(canonical);
    if (!checked.ok) {
      const first = checked.errors[0];
      return failure({
        field: first.field,
        rule: first.rule,
        message: `canonical ${consumes} input: ${first.field || 'document'} ${first.message}`,
        record,
      });
    }
    try {
      return { ok: true, value: block.run(canonical as Record<string, unknown>, canonical) };
    } catch (error) {
      if (error instanceof RuleFailure) return fromRuleFailure(error, record);
      throw error;
    }
  };

  return { system, recordKind, consumes, map };
}
