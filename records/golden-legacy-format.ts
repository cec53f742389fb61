/**
 * A legacy system's messages on the bus, in its own format, for the record-sync pipeline: what a
 * system publishes on crm.inbound decoded into the record trees its mapping spec reads (and the record
 * kind of each), and a mapped outbound record written back into the system's format for
 * crm.out.<system>. The spec's `format` says how, as it does for files (the CLI, the editor preview):
 * SAP's DEBMAS07 IDoc XML, Siebel XML, JSON, NDJSON, CSV or fixed-width lines.
 */
import fs from 'node:fs';
import path from 'node:path';
import iconv from 'iconv-lite';
import { iconvName } from '../formats/charset';
import { compileLayout, type CompiledLayout } from '../formats/fixed-width/fixed-width';
import { createRecordEncoder } from '../formats/record-streams/record-sink';
import { readRecords, type RecordSourceOptions } from '../formats/record-streams/record-source';
import { SYSTEMS_DIR } from '../mappings/engine';
import { MappingSpecError, type SpecFormat, type SystemSpec } from '../mappings/mapping-types';
import { outboundColumns } from '../mappings/outbound-columns';
import { compileRecordKind, type RecordKindResolver } from '../mappings/record-kind';

/** One record of a message: its tree and record kind, or why it cannot be read. */
export type DecodedRecord =
  | { ref: string; recordKind: string; record: Record<string, unknown> }
  | { ref: string; error: string }
  | RecordLimitItem;

export interface DecodeOptions {
  /**
   * The message's content type: its charset parameter (`text/csv; charset=utf-8`) comes before the
   * spec's encoding and an XML declaration. Without one, those decide.
   */
  contentType?: string;
  /** the most records one message may hold; past it the message is refused whole (one error item) */
  maxRecords?: number;
}

/**
 * How many records one message on crm.inbound may hold, unless the legacy-decode node says otherwise.
 * Each record of a message is in the flow at once and the message is acknowledged only when all are
 * stored. Measured on the shipped flow (embedded store, 2 cores): 5,000 CSV records were stored in 11 s
 * and took the hub from 152 to 523 MB RSS, well within amqp-in's 60 s timeout; 50,000 took 97 s and
 * 2.2 GB, and the message timed out. Larger exports belong in several messages or a file (`crm-hub map`).
 */
export const DEFAULT_MAX_RECORDS = 5000;

/** A record limit as typed into the node: a whole number of at least 1; empty means the default. */
export function maxRecordsOf(value: unknown): number {
  if (value === undefined || value === null || String(value).trim() === '') return DEFAULT_MAX_RECORDS;
  const max = Number(value);
  if (!Number.isSafeInteger(max) || max < 1)
    throw new Error(`max records must be a whole number of at least 1, got ${JSON.stringify(value)}`);
  return max;
}

/** The error item of a message past `maxRecords`: `limit` tells it from a record that cannot be read. */
export interface RecordLimitItem {
  ref: 'document';
  error: string;
  limit: number;
}

function tooMany(max: number): RecordLimitItem {
  return {
    ref: 'document',
    error: `holds more than ${max} records, the most one message may hold`,
    limit: max,
  };
}

/** The charset parameter of a content type (RFC 9110), unquoted; undefined when there is none. */
export function charsetOf(contentType: string | undefined): string | undefined {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '');
  return match?.[1];
}

export interface EncodedDocument {
  /** XML and JSON as text; CSV and fixed width as bytes in the spec's charset (windows-1252 by default) */
  body: string | Buffer;
  contentType: string;
}

const CONTENT_TYPES: Record<SpecFormat['kind'], string> = {
  'idoc-xml': 'application/xml',
  'siebel-xml': 'application/xml',
  json: 'application/json',
  ndjson: 'application/x-ndjson',
  csv: 'text/csv',
  'fixed-width': 'text/plain',
  soap: 'application/json',
};

/** The formats written in a legacy charset; XML, JSON and NDJSON are UTF-8. */
const LEGACY_CHARSET_KINDS: readonly string[] = ['csv', 'fixed-width'];

/** Compiled once per system: decodes the messages it sends and encodes those it receives. */
export class LegacyFormat {
  readonly system: string;
  readonly format: SpecFormat;
  private readonly source: RecordSourceOptions | undefined;
  private readonly kindOf: RecordKindResolver | undefined;

  constructor(
    private readonly spec: SystemSpec,
    layoutDir = SYSTEMS_DIR,
  ) {
    this.system = spec.system;
    this.format = spec.format ?? { kind: 'json' };
    // A SOAP system has no message format of its own: on the bus it sends its records as JSON.
    const kind = this.format.kind === 'soap' ? 'json' : this.format.kind;
    this.source = {
      kind,
      encoding: this.format.encoding,
      delimiter: this.format.delimiter,
      recordsPath: this.format.recordsPath,
      layout: kind === 'fixed-width' ? loadLayout(spec, this.format, layoutDir) : undefined,
    };
    this.kindOf =
      this.format.recordKind !== undefined || this.format.recordKindFrom !== undefined
        ? compileRecordKind(spec)
        : undefined;
  }

  /** The content type of what encode() writes; CSV and fixed width name their charset. */
  get contentType(): string {
    const type = CONTENT_TYPES[this.format.kind];
    if (!LEGACY_CHARSET_KINDS.includes(this.format.kind)) return type;
    const charset = this.format.encoding ?? 'windows-1252';
    return `${type}; charset=${charset.toLowerCase() === 'ascii' ? 'us-ascii' : charset}`;
  }

  /**
   * The records of one message, each read on its own: a line or an IDoc that cannot be read is an
   * error item of its own and the others are read. `messageType` is the second word of its routing key
   * (`sap.DEBMAS` → DEBMAS): it names the record kind when the spec's format does not (a SOAP system
   * sending `crm.ReportAddressChange`). An object payload (a body already parsed as JSON) is one record.
   */
  async decode(
    body: Buffer | string | object,
    messageType = '',
    options: DecodeOptions = {},
  ): Promise<DecodedRecord[]> {
    const items: DecodedRecord[] = [];
    const max = options.maxRecords ?? Infinity;
    if (!Buffer.isBuffer(body) && typeof body === 'object') {
      const records = this.recordsOf(body);
      if (records.length > max) return [tooMany(max)];
      records.forEach((record, i) => items.push(this.kinded(`record ${i}`, record, messageType)));
      return items;
    }
    // Text has no bytes of its own: written out as UTF-8 it is read as UTF-8, whatever the spec's
    // encoding or an XML declaration say (amqp-in hands text on only when its bytes were UTF-8).
    const input = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    const charset = typeof body === 'string' ? 'utf-8' : charsetOf(options.contentType);
    const source = charset ? { ...this.source, charset } : this.source;
    try {
      for await (const item of readRecords([input], source as RecordSourceOptions)) {
        // stop reading there: a message past the limit is refused whole, and nothing of it is kept
        if (items.length >= max) return [tooMany(max)];
        items.push('error' in item ? item : this.kinded(item.ref, item.record, messageType));
      }
    } catch (err) {
      // a document that cannot be read at all (not well-formed, unsafe XML) is one error, not a crash
      items.push({ ref: 'document', error: err instanceof Error ? err.message : String(err) });
    }
    return items;
  }

  /**
   * One mapped record (from-canonical's result) as a document of the system's format. A CSV document
   * has the header of the record kind's outbound rules (the format's outbound kind by default);
   * a value its charset cannot hold throws RecordEncodeError.
   */
  encode(record: object, recordKind?: string): EncodedDocument {
    if (this.format.kind === 'json' || this.format.kind === 'soap') {
      return { body: JSON.stringify(record), contentType: this.contentType };
    }
    const source = this.source as RecordSourceOptions;
    const kind = recordKind ?? this.format.outboundRecordKind ?? this.format.recordKind;
    const only = Object.keys(this.spec.outbound ?? {});
    const columns = outboundColumns(this.spec, kind ?? (only.length === 1 ? only[0] : ''));
    const encoder = createRecordEncoder({
      ...source,
      ...(source.kind === 'csv' && columns ? { columns } : {}),
    });
    const text = encoder.encode(record) + encoder.end();
    if (!LEGACY_CHARSET_KINDS.includes(source.kind)) return { body: text, contentType: this.contentType };
    return {
      body: iconv.encode(text, iconvName(source.encoding ?? 'windows-1252')),
      contentType: this.contentType,
    };
  }

  /** A parsed JSON body: a list, a query response keeping its records at format.recordsPath, or one record. */
  private recordsOf(body: object): unknown[] {
    if (Array.isArray(body)) return body as unknown[];
    let at: unknown = body;
    for (const part of (this.format.recordsPath ?? '').split('.').filter(Boolean))
      at = at && typeof at === 'object' ? (at as Record<string, unknown>)[part] : undefined;
    return this.format.recordsPath && Array.isArray(at) ? (at as unknown[]) : [body];
  }

  private kinded(ref: string, record: unknown, messageType: string): DecodedRecord {
    if (record === null || typeof record !== 'object' || Array.isArray(record)) {
      return { ref, error: `${this.system} ${ref}: a record must be an object` };
    }
    const tree = record as Record<string, unknown>;
    if (this.kindOf) {
      const kind = this.kindOf(tree, ref);
      return kind.ok ? { ref, recordKind: kind.value, record: tree } : { ref, error: kind.error.message };
    }
    const known = Object.keys(this.spec.inbound ?? {});
    if (messageType && known.includes(messageType)) return { ref, recordKind: messageType, record: tree };
    if (known.length === 1) return { ref, recordKind: known[0], record: tree };
    return {
      ref,
      error: `${this.system}: message type '${messageType}' is not a record kind of its mapping (known: ${known.join(', ')})`,
    };
  }
}

/** `<system>.<message type>` → its two parts; the type may be empty (`sap`). */
export function splitInboundKey(routingKey: string): { system: string; messageType: string } {
  const dot = routingKey.indexOf('.');
  return dot < 0
    ? { system: routingKey, messageType: '' }
    : { system: routingKey.slice(0, dot), messageType: routingKey.slice(dot + 1) };
}

function loadLayout(spec: SystemSpec, format: SpecFormat, dir: string): CompiledLayout {
  const where = `mapping ${spec.system}: "format.layout"`;
  if (!format.layout) throw new MappingSpecError(`${where} is required for fixed-width messages`);
  const file = path.resolve(dir, format.layout);
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new MappingSpecError(`${where}: ${file} cannot be read: ${(err as Error).message}`);
  }
  return compileLayout(json);
}
