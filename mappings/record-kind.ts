/**
 * Which inbound record kind of a spec a decoded record is, for files and streams that mix kinds (app
 * events named by their `event` field, SAP IDocs whose MSGFN 003 is a deletion). Tools that read a
 * whole file (the CLI, the editor preview, the file-in node) call this per record.
 */
import { MappingSpecError, type MapResult, type SystemSpec } from './mapping-types';
import { compileScopedGetter } from './path';

export type RecordKindResolver = (record: Record<string, unknown>, recordRef?: string) => MapResult<string>;

/** Compiled once per spec; the resolver never throws for a bad record, it returns an error. */
export function compileRecordKind(spec: SystemSpec): RecordKindResolver {
  const format = spec.format;
  const fallback = format?.recordKind;
  const from = format?.recordKindFrom;
  const known = Object.keys(spec.inbound);
  const check = (kind: string, what: string): void => {
    if (!Object.hasOwn(spec.inbound, kind))
      throw new MappingSpecError(
        `mapping ${spec.system}: format.${what} names record kind "${kind}", which "inbound" lacks (known: ${known.join(', ')})`,
      );
  };
  if (fallback !== undefined) check(fallback, 'recordKind');
  if (from === undefined) {
    if (fallback === undefined)
      throw new MappingSpecError(`mapping ${spec.system}: format has neither recordKind nor recordKindFrom`);
    return () => ({ ok: true, value: fallback });
  }
  if (typeof from.field !== 'string')
    throw new MappingSpecError(`mapping ${spec.system}: format.recordKindFrom needs "field", a source path`);
  for (const kind of Object.values(from.kinds ?? {})) check(kind, 'recordKindFrom.kinds');
  const get = compileScopedGetter(from.field);
  const kinds = new Map(Object.entries(from.kinds ?? {}));
  return (record, recordRef) => {
    const raw = get(record, record);
    const value = typeof raw === 'string' || typeof raw === 'number' ? String(raw).trim() : '';
    const kind = from.kinds === undefined ? value : kinds.get(value);
    if (kind !== undefined && Object.hasOwn(spec.inbound, kind)) return { ok: true, value: kind };
    // With a `kinds` list, unlisted values are the common case (SAP MSGFN 009/004/005) and fall back;
    // without one the value names the kind itself, so only a record that names none falls back.
    if (fallback !== undefined && (from.kinds !== undefined || value === ''))
      return { ok: true, value: fallback };
    const listed = from.kinds === undefined ? known : [...kinds.keys()];
    return {
      ok: false,
      error: {
        field: '',
        sourceField: from.field,
        rule: 'recordKind',
        message: `${spec.system}: source field "${from.field}" is ${JSON.stringify(raw ?? null)}, not a known record kind (known: ${listed.join(', ')})`,
        ...(recordRef === undefined ? {} : { record: recordRef }),
      },
    };
  };
}
