/**
 * Which inbound record kind of a spec a decoded record is, for files and streams that mix kinds (app
 * events named by their `event` field, SAP IDocs whose MSGFN 003 is a deletion). Tools that read a
 * whole file (the CLI, the editor preview, the file-in node) call this per record.
 */
import { MappingSpecError, type MapResult, type SystemSpec } from './mapping-types';
import { compileScopedGetter } from './path';
import { isPlainObject } from './transform-support';

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
  for (const kind of Object.values(from?.kinds ?? {})) check(kind, 'recordKindFrom.kinds');
  const resolve = compileFieldKind(spec, known);
  return format?.kind === 'idoc-xml' ? withIdocMessageType(spec, known, resolve) : resolve;
}

function compileFieldKind(spec: SystemSpec, known: string[]): RecordKindResolver {
  const format = spec.format;
  const fallback = format?.recordKind;
  const from = format?.recordKindFrom;
  if (from === undefined) {
    if (fallback === undefined)
      throw new MappingSpecError(`mapping ${spec.system}: format has neither recordKind nor recordKindFrom`);
    return () => ({ ok: true, value: fallback });
  }
  if (typeof from.field !== 'string')
    throw new MappingSpecError(`mapping ${spec.system}: format.recordKindFrom needs "field", a source path`);
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
        // "is null" for a field the record does not have sent integrators looking for a null
        message: `${spec.system}: source field "${from.field}" ${raw === undefined ? 'is missing' : `is ${JSON.stringify(raw)}`}, not a known record kind (known: ${listed.join(', ')})`,
        ...(recordRef === undefined ? {} : { record: recordRef }),
      },
    };
  };
}

const MESSAGE_TYPE = compileScopedGetter('EDI_DC40.MESTYP');
/**
 * SAP's customer namespace: a reduced message type (BD53) must be named Z… or Y…, e.g. ZDEBMAS for a
 * DEBMAS without the segments a site does not send. Which standard type it reduces is not in the IDoc,
 * so such an IDoc is left to the spec's own rule; only a standard type the spec does not map is refused.
 */
const CUSTOMER_NAMESPACE = /^[ZY]/;

/**
 * An IDoc says in its control record what it is (EDI_DC40.MESTYP: DEBMAS, ORDERS, MATMAS). One of a
 * standard message type the spec has no inbound mapping for is refused as such, before its segments are read
 * as another type's and it fails on a field it never had (an ORDERS IDoc has no KUNNR in E1KNA1M). An
 * IDoc without the field is left to the spec's own rule.
 */
function withIdocMessageType(
  spec: SystemSpec,
  known: string[],
  resolve: RecordKindResolver,
): RecordKindResolver {
  const messageTypes = new Set([...known, ...(spec.format?.recordKind ? [spec.format.recordKind] : [])]);
  return (record, recordRef) => {
    const raw = MESSAGE_TYPE(record, record);
    const type = typeof raw === 'string' ? raw.trim() : '';
    if (type === '' || messageTypes.has(type) || CUSTOMER_NAMESPACE.test(type))
      return resolve(record, recordRef);
    return {
      ok: false,
      error: {
        field: '',
        sourceField: 'EDI_DC40.MESTYP',
        rule: 'recordKind',
        message: `${spec.system}: IDoc message type ${JSON.stringify(type)} is not one this system maps (maps: ${[...messageTypes].join(', ')})`,
        ...(recordRef === undefined ? {} : { record: recordRef }),
      },
    };
  };
}

/**
 * The inbound record kind a record has when no message names one, as the CLI and the editor preview
 * read a file: format.recordKind / recordKindFrom, else the spec's only inbound kind. Undefined when
 * the spec names none (several kinds, no rule); compiled once per spec.
 */
export function compileSpecRecordKind(spec: SystemSpec): RecordKindResolver | undefined {
  const format = spec.format;
  if (format?.recordKind !== undefined || format?.recordKindFrom !== undefined)
    return compileRecordKind(spec);
  const kinds = Object.keys(isPlainObject(spec.inbound) ? spec.inbound : {});
  if (kinds.length !== 1) return undefined;
  const only: MapResult<string> = { ok: true, value: kinds[0] };
  return () => only;
}

/**
 * The outbound record kind the spec names, as `crm-hub map --reverse` picks it: format.outboundRecordKind,
 * else format.recordKind when the system also receives that kind, else its only outbound kind.
 */
export function specOutboundKind(spec: SystemSpec): string | undefined {
  const format = spec.format;
  if (format?.outboundRecordKind !== undefined) return format.outboundRecordKind;
  const kinds = Object.keys(isPlainObject(spec.outbound) ? spec.outbound : {});
  if (format?.recordKind !== undefined && kinds.includes(format.recordKind)) return format.recordKind;
  return kinds.length === 1 ? kinds[0] : undefined;
}
