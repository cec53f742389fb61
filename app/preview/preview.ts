/**
 * "Try it": a sample in a system's own format (a CSV header and a few rows, fixed-width lines,
 * an IDoc or Siebel document, JSON) decoded as the real connectors decode it and mapped by the
 * spec, so an integrator sees the canonical JSON, or the engine's error, before deploying.
 * The format helpers here are shared with the map command (app/cli/map-command.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { compileLayout } from '../../formats/fixed-width/fixed-width';
import {
  createRecordEncoder,
  RecordEncodeError,
  type RecordEncoderOptions,
} from '../../formats/record-streams/record-sink';
import {
  isRecordFormatKind,
  readRecords,
  RECORD_FORMAT_KINDS,
  type RecordSourceOptions,
  type SourceItem,
} from '../../formats/record-streams/record-source';
import { parseEnvelope } from '../../connectors/soap/envelope';
import type { CanonicalDocument } from '../../mappings/canonical/types';
import {
  SYSTEMS_DIR,
  compileMapping,
  compileOutbound,
  type CompiledMapping,
  type CompiledOutbound,
} from '../../mappings/engine';
import {
  MappingSpecError,
  type MapResult,
  type MappingError,
  type SpecFormat,
  type SystemSpec,
} from '../../mappings/mapping-types';
import { compileRecordKind } from '../../mappings/record-kind';
import { outboundColumns } from '../../mappings/outbound-columns';
import { isPlainObject } from '../../mappings/transform-support';
import { errorMessage } from '../../formats/error-message';

export type Direction = 'inbound' | 'outbound';

export interface PreviewRequest {
  spec: SystemSpec;
  /** the spec's format.recordKind (outbound: outboundRecordKind), or its only record kind, if omitted */
  recordKind?: string;
  direction: Direction;
  /** inbound: the system's format; outbound: canonical JSON (one object, an array, or NDJSON) */
  sample: string;
  /** where format.layout is resolved; mappings/systems/ by default, and the layout must stay inside */
  layoutDir?: string;
}

export interface PreviewResult {
  /** where the record is in the sample: "line 3", "IDOC[0] DOCNUM 4711", "Contact[1]", "document" */
  ref: string;
  ok: boolean;
  /** inbound: the canonical document; outbound: the legacy record tree */
  value?: unknown;
  error?: MappingError;
}

export interface PreviewResponse {
  recordKind: string;
  direction: Direction;
  results: PreviewResult[];
  /** the sample held more than PREVIEW_LIMIT records */
  truncated: boolean;
  /** outbound: the legacy file the mapped records give (IDoc XML, CSV, ...) */
  output?: string;
}

export const PREVIEW_LIMIT = 20;

/** The spec's format, checked; a spec without one is read as JSON. */
export function specFormat(spec: SystemSpec): SpecFormat {
  const format: unknown = spec.format ?? { kind: 'json' };
  const where = `mapping ${spec.system}: "format"`;
  if (!isPlainObject(format)) throw new MappingSpecError(`${where} must be an object`);
  const kind = format.kind;
  if (kind !== 'soap' && !isRecordFormatKind(kind)) {
    throw new MappingSpecError(
      `${where}.kind ${JSON.stringify(kind)} is unknown (known: soap, ${RECORD_FORMAT_KINDS.join(', ')})`,
    );
  }
  for (const key of ['recordKind', 'outboundRecordKind', 'encoding', 'delimiter', 'layout', 'recordsPath']) {
    if (format[key] !== undefined && typeof format[key] !== 'string') {
      throw new MappingSpecError(`${where}.${key} must be a string`);
    }
  }
  return format as unknown as SpecFormat;
}

/** The record kind to map: the one asked for, the format's, or the spec's only one. */
export function pickRecordKind(spec: SystemSpec, direction: Direction, recordKind?: string): string {
  if (recordKind) return recordKind;
  const format = specFormat(spec);
  const preferred =
    direction === 'inbound' ? format.recordKind : (format.outboundRecordKind ?? format.recordKind);
  if (preferred) return preferred;
  const kinds = Object.keys((direction === 'inbound' ? spec.inbound : spec.outbound) ?? {});
  if (kinds.length === 1) return kinds[0];
  throw new MappingSpecError(
    `mapping ${spec.system}: name the ${direction} record kind (known: ${kinds.join(', ') || 'none'})`,
  );
}

interface LayoutPlace {
  layoutDir?: string;
  /** refuse a layout path outside layoutDir (user-supplied specs on the admin API) */
  confine?: boolean;
}

function loadLayout(spec: SystemSpec, format: SpecFormat, place: LayoutPlace) {
  const where = `mapping ${spec.system}: "format.layout"`;
  if (!format.layout) throw new MappingSpecError(`${where} is required for fixed-width files`);
  const dir = place.layoutDir ?? SYSTEMS_DIR;
  const file = path.resolve(dir, format.layout);
  const inside = path.relative(dir, file);
  if ((place.confine ?? true) && (inside.startsWith('..') || path.isAbsolute(inside))) {
    throw new MappingSpecError(`${where} ${JSON.stringify(format.layout)} must stay inside ${dir}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : 'not valid JSON';
    throw new MappingSpecError(`${where}: ${file} is ${reason}`);
  }
  try {
    return compileLayout(json);
  } catch (err) {
    throw new MappingSpecError(`${where}: ${errorMessage(err)}`);
  }
}

/** How to decode the system's files; throws MappingSpecError for a SOAP system or a bad layout. */
export function sourceOptionsFor(spec: SystemSpec, place: LayoutPlace = {}): RecordSourceOptions {
  const format = specFormat(spec);
  if (format.kind === 'soap') {
    throw new MappingSpecError(`mapping ${spec.system}: a SOAP system has no file format to read or write`);
  }
  return {
    kind: format.kind,
    encoding: format.encoding,
    delimiter: format.delimiter,
    layout: format.kind === 'fixed-width' ? loadLayout(spec, format, place) : undefined,
    recordsPath: format.recordsPath,
  };
}

export interface InboundMapper {
  /** the record kind, or "by <field>" when each record names its own (format.recordKindFrom) */
  readonly recordKind: string;
  map(record: Record<string, unknown>, recordRef: string): MapResult<CanonicalDocument>;
}

/**
 * Maps decoded records inbound: as the record kind asked for, else as format.recordKindFrom says per
 * record (every kind compiled up front, so a bad spec fails before the first record), else as the
 * spec's one kind.
 */
export function inboundMapper(spec: SystemSpec, recordKind?: string): InboundMapper {
  const from = recordKind ? undefined : specFormat(spec).recordKindFrom;
  if (!from) {
    const kind = pickRecordKind(spec, 'inbound', recordKind);
    const mapping = compileMapping(spec, kind);
    return { recordKind: kind, map: (record, recordRef) => mapping.map(record, { recordRef }) };
  }
  const kindOf = compileRecordKind(spec);
  const mappings = new Map(Object.keys(spec.inbound).map((kind) => [kind, compileMapping(spec, kind)]));
  return {
    recordKind: `by ${from.field}`,
    map(record, recordRef) {
      const kind = kindOf(record, recordRef);
      if (!kind.ok) return kind;
      return (mappings.get(kind.value) as CompiledMapping).map(record, { recordRef });
    },
  };
}

/** How to write the system's files; CSV columns follow the outbound rules of the record kind. */
export function encoderOptionsFor(
  spec: SystemSpec,
  recordKind: string,
  place: LayoutPlace = {},
): RecordEncoderOptions {
  const options: RecordEncoderOptions = sourceOptionsFor(spec, place);
  const columns = options.kind === 'csv' ? outboundColumns(spec, recordKind) : undefined;
  return columns ? { ...options, columns } : options;
}

const decodeError = (ref: string, text: string, field = ''): PreviewResult => ({
  ref,
  ok: false,
  error: { field, rule: 'decode', message: text, record: ref },
});

/** SOAP samples are an envelope (the operation is the record kind) or the body as JSON. */
function soapItems(sample: string): { items: SourceItem[]; operation?: string } {
  if (!sample.trimStart().startsWith('<')) return { items: [] };
  try {
    const envelope = parseEnvelope(sample, { maxBytes: Buffer.byteLength(sample) });
    return { items: [{ ref: 'envelope', record: envelope.body }], operation: envelope.operationElement };
  } catch (err) {
    return { items: [{ ref: 'envelope', error: errorMessage(err) }] };
  }
}

async function firstItems(sample: string, options: RecordSourceOptions): Promise<[SourceItem[], boolean]> {
  const items: SourceItem[] = [];
  for await (const item of readRecords([sample], options)) {
    if (items.length === PREVIEW_LIMIT) return [items, true];
    items.push(item);
  }
  return [items, false];
}

export async function previewMapping(request: PreviewRequest): Promise<PreviewResponse> {
  const { spec, direction, sample } = request;
  if (direction !== 'inbound' && direction !== 'outbound') {
    throw new RangeError(`direction must be "inbound" or "outbound", got ${JSON.stringify(direction)}`);
  }
  const format = specFormat(spec);
  let items: SourceItem[];
  let truncated = false;
  let recordKind = request.recordKind;
  if (direction === 'inbound' && format.kind === 'soap' && sample.trimStart().startsWith('<')) {
    const soap = soapItems(sample);
    items = soap.items;
    recordKind ||= soap.operation;
  } else {
    const options =
      direction === 'outbound' || format.kind === 'soap'
        ? { kind: 'json' as const }
        : sourceOptionsFor(spec, { layoutDir: request.layoutDir, confine: true });
    [items, truncated] = await firstItems(sample, options);
  }
  const inbound = direction === 'inbound' ? inboundMapper(spec, recordKind) : undefined;
  const kind = inbound ? inbound.recordKind : pickRecordKind(spec, direction, recordKind);
  const outbound = inbound ? undefined : compileOutbound(spec, kind);
  const map = (record: Record<string, unknown>, recordRef: string): MapResult<object> =>
    inbound ? inbound.map(record, recordRef) : (outbound as CompiledOutbound).map(record, { recordRef });
  const encoder =
    outbound && format.kind !== 'soap'
      ? createRecordEncoder(encoderOptionsFor(spec, kind, { layoutDir: request.layoutDir }))
      : undefined;
  let output = '';
  const results = items.map((item): PreviewResult => {
    if ('error' in item) return decodeError(item.ref, item.error, item.field);
    const mapped = map(item.record, item.ref);
    if (!mapped.ok) return { ref: item.ref, ok: false, error: mapped.error };
    if (encoder) {
      try {
        output += encoder.encode(mapped.value);
      } catch (err) {
        if (!(err instanceof RecordEncodeError)) throw err;
        const error = { field: err.field, rule: 'encode', message: err.message, record: item.ref };
        return { ref: item.ref, ok: false, value: mapped.value, error };
      }
    }
    return { ref: item.ref, ok: true, value: mapped.value };
  });
  if (encoder) output += encoder.end();
  return { recordKind: kind, direction, results, truncated, ...(encoder ? { output } : {}) };
}
