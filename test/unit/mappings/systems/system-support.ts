/**
 * Shared by the system-*.test.ts files: which legacy fields a spec maps, and a round-trip check that
 * compares exactly those fields before and after legacy → canonical → legacy.
 */
import { compileMapping, type MappingError, type Rule, type SystemSpec } from '../../../../mappings/engine';
import { compileRecordKind } from '../../../../mappings/record-kind';
import { compileValidator } from '../../../../mappings/validate';

/** Every source path the inbound rules of a record kind read; items of an `each` as `list[*].field`. */
export function mappedSourcePaths(spec: SystemSpec, recordKind: string): string[] {
  const paths = new Set<string>();
  const walk = (rules: Rule[], prefix: string): void => {
    for (const rule of rules) {
      if ('each' in rule) {
        walk(rule.fields, `${prefix}${rule.each}[*].`);
        continue;
      }
      const from = Array.isArray(rule.from) ? rule.from : [rule.from];
      for (const path of from) paths.add(path.startsWith('$root.') ? path.slice(6) : prefix + path);
    }
  };
  walk(spec.inbound[recordKind].fields, '');
  return [...paths].sort();
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** Concrete paths and values of a pattern such as `Personal_spcAddress[*].City`; `[0]` of an object is itself. */
export function valuesAt(record: unknown, pattern: string): [string, unknown][] {
  type Token = { key: string } | { index: string };
  const tokens = [...pattern.matchAll(/([^.[\]]+)|\[(\d+|\*)\]/g)].map((m): Token =>
    m[1] !== undefined ? { key: m[1] } : { index: m[2] ?? '' },
  );
  const out: [string, unknown][] = [];
  const step = (value: unknown, at: number, path: string): void => {
    if (at === tokens.length) {
      out.push([path, value]);
      return;
    }
    const token = tokens[at];
    if ('key' in token) {
      const next = isObject(value) ? value[token.key] : undefined;
      step(next, at + 1, path === '' ? token.key : `${path}.${token.key}`);
      return;
    }
    const list = Array.isArray(value) ? value : isObject(value) ? [value] : [];
    if (token.index === '*') list.forEach((item, i) => step(item, at + 1, `${path}[${i}]`));
    else step(list[Number(token.index)], at + 1, `${path}[${token.index}]`);
  };
  step(record, 0, '');
  return out;
}

const missing = (value: unknown): boolean => value === undefined || value === null || value === '';

export interface RoundTripOptions {
  /** mapped source fields that are not written back, each with the reason */
  notWritten?: Record<string, string>;
  /** per mapped source field: both sides go through it, with their record, before comparing (e.g. phone spelling) */
  normalize?: Record<string, (value: unknown, record: unknown) => unknown>;
}

/**
 * Every mapped source field that had a value before has the same value after, except the documented
 * ones. Returns the fields compared, so a test can assert it compared something.
 */
export function roundTripDifferences(
  spec: SystemSpec,
  recordKind: string,
  before: unknown,
  after: unknown,
  options: RoundTripOptions = {},
): { compared: string[]; differences: string[] } {
  const compared: string[] = [];
  const differences: string[] = [];
  for (const pattern of mappedSourcePaths(spec, recordKind)) {
    if (options.notWritten && pattern in options.notWritten) continue;
    const norm = options.normalize?.[pattern] ?? ((value: unknown) => value);
    const afterValues = new Map(valuesAt(after, pattern));
    const same = (one: unknown, other: unknown): boolean =>
      JSON.stringify(norm(one, before)) === JSON.stringify(missing(other) ? other : norm(other, after));
    for (const [path, value] of valuesAt(before, pattern)) {
      if (missing(value)) continue;
      compared.push(path);
      const again = afterValues.get(path);
      if (!same(value, again))
        differences.push(`${path}: ${JSON.stringify(value)} came back as ${JSON.stringify(again)}`);
    }
  }
  return { compared, differences };
}

export interface MappedRecord {
  ref: string;
  kind?: string;
  ok: boolean;
  value?: Record<string, unknown>;
  error?: MappingError | { message: string };
}

/** Decoded items (or decoder errors) through the spec's record-kind resolver and mapping, like a file-in flow. */
export function mapItems(
  spec: SystemSpec,
  items: ({ ref: string; record: Record<string, unknown> } | { ref: string; error: string })[],
): MappedRecord[] {
  const kindOf = compileRecordKind(spec);
  return items.map((item) => {
    if ('error' in item) return { ref: item.ref, ok: false, error: { message: item.error } };
    const kind = kindOf(item.record, item.ref);
    if (!kind.ok) return { ref: item.ref, ok: false, error: kind.error };
    const result = compileMapping(spec, kind.value).map(item.record, { recordRef: item.ref });
    return result.ok
      ? {
          ref: item.ref,
          kind: kind.value,
          ok: true,
          value: result.value as unknown as Record<string, unknown>,
        }
      : { ref: item.ref, kind: kind.value, ok: false, error: result.error };
  });
}

/** The canonical validator's own verdict, independent of the mapping's. */
export function validAs(schema: string, document: unknown): boolean {
  return compileValidator(schema)(document).ok;
}

export function digitsOnly(value: unknown): unknown {
  return typeof value === 'string' ? value.replace(/[^\d+]/g, '') : value;
}

export function lowerCase(value: unknown): unknown {
  return typeof value === 'string' ? value.trim().toLowerCase() : value;
}
