/**
 * Compile-time checks of a card's comparisons against the canonical schemas: a comparison whose value
 * can never match the field's type (money against text, a tier that is not one of the tiers) would
 * switch the card off without a word, so it is refused as a typo. Fields the schemas do not know (the
 * golden record's extra attributes, `data.…`) are left to run time.
 */
import { fieldSchema } from '../mappings/schema-paths';
import { parsePath, type PathSegment } from '../mappings/path';
import type { Literal, Term } from './expression';

type Kind = 'number' | 'text' | 'boolean';

/** Where a path of a card points: a canonical schema and the segments inside it. */
export type SchemaOf = (path: string) => { schema: string; segments: PathSegment[] } | undefined;

/** Paths in `if`: customer.… in the golden record, event.… in the interaction event. */
export const IF_SCHEMAS: SchemaOf = (path) => {
  const [root, ...segments] = parsePath(path);
  if (root === 'customer') return { schema: 'customer', segments };
  if (root === 'event') return { schema: 'interaction-event', segments };
  return undefined;
};

/** Paths in `when … where`: fields of the interaction event. */
export const EVENT_SCHEMA: SchemaOf = (path) => ({ schema: 'interaction-event', segments: parsePath(path) });

/** The first comparison that can never hold as the schema describes its field, as a problem text. */
export function impossibleComparison(comparisons: readonly Term[], schemaOf: SchemaOf): string | undefined {
  for (const term of comparisons) {
    if (term.op === 'contains') continue;
    const at = schemaOf(term.path);
    const node = at && fieldSchema(at.schema, at.segments);
    if (!node) continue;
    const literals = term.op === 'in' ? (term.literal as Literal[]) : [term.literal];
    // A missing field equals null, so == null and != null are always meaningful.
    const values = literals.filter((value) => value !== null || !['==', '!=', 'in'].includes(term.op));
    const allowed = Array.isArray(node.enum) ? (node.enum as unknown[]) : undefined;
    if (allowed && ['==', '!=', 'in'].includes(term.op)) {
      const wrong = values.find((value) => !allowed.includes(value));
      if (wrong !== undefined) {
        return (
          `"${term.path}" is one of ${allowed.map((item) => JSON.stringify(item)).join(', ')}; ` +
          `${JSON.stringify(wrong)} is none of them, so "${term.text}" never matches`
        );
      }
      continue;
    }
    if (term.currency !== undefined && !isMoney(node) && !isMoneyValue(at.schema, at.segments)) {
      return `"${term.path}" is no money, so "${term.text}" cannot name a currency`;
    }
    const kind = kindOf(node);
    if (!kind) continue;
    const wrong = values.find((value) => literalKind(value) !== kind);
    if (wrong === undefined) continue;
    const what = isMoney(node) ? 'money, compared by its value' : kind;
    return `"${term.path}" is ${what}: "${term.op}" needs a ${kind}, got ${JSON.stringify(wrong)}, so "${term.text}" never matches`;
  }
  return undefined;
}

function kindOf(node: Record<string, unknown>): Kind | undefined {
  if (isMoney(node)) return 'number';
  if (node.type === 'number' || node.type === 'integer') return 'number';
  if (node.type === 'string') return 'text';
  if (node.type === 'boolean') return 'boolean';
  return undefined;
}

/** `amount.value`: the number of a money object, compared in its currency */
function isMoneyValue(schema: string, segments: PathSegment[]): boolean {
  if (segments.length < 2 || segments[segments.length - 1] !== 'value') return false;
  const parent = fieldSchema(schema, segments.slice(0, -1));
  return parent !== undefined && isMoney(parent);
}

function isMoney(node: Record<string, unknown>): boolean {
  const properties = node.properties as Record<string, { type?: unknown }> | undefined;
  return node.type === 'object' && properties?.value?.type === 'number' && properties.currency !== undefined;
}

function literalKind(value: Literal): Kind | 'other' {
  if (typeof value === 'number') return 'number';
  if (typeof value === 'string') return 'text';
  if (typeof value === 'boolean') return 'boolean';
  return 'other';
}
