import type { SystemSpec } from './mapping-types';
import { parsePath } from './path';
import { isPlainObject } from './transform-support';

/**
 * The CSV columns a record kind is written with: the `set` keys, then the `to` fields of its
 * outbound rules. Every file of the kind gets the same header, whichever values a record has.
 * undefined when the spec has no such outbound kind.
 */
export function outboundColumns(spec: SystemSpec, recordKind: string): string[] | undefined {
  const mapping: unknown = spec.outbound?.[recordKind];
  if (!isPlainObject(mapping)) return undefined;
  const columns = [
    ...Object.keys(isPlainObject(mapping.set) ? mapping.set : {}),
    ...(Array.isArray(mapping.fields) ? mapping.fields : []).map((rule) => (rule as { to?: unknown }).to),
  ]
    .filter((name): name is string => typeof name === 'string')
    .map(columnName);
  return [...new Set(columns)];
}

/** A column written as a path: `["Kd-Nr."]` is the column Kd-Nr. (path.ts quotes such keys). */
function columnName(to: string): string {
  try {
    const segments = parsePath(to);
    return segments.length === 1 && typeof segments[0] === 'string' ? segments[0] : to;
  } catch {
    return to;
  }
}
