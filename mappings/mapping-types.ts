/** The spec format and result types shared by the inbound and the outbound direction. */

/** "trim", or one transform with its option: { "prefix": "crm:" } */
export type TransformRef = string | Record<string, unknown>;

/**
 * A condition on the current record or segment; `$root.` at the start of a path reads the record root.
 * Comparisons are on text, trimmed, so "003 " equals "003" and a decoder's number 3 equals "3".
 */
export type Condition =
  | {
      field: string;
      equals?: string | number | boolean;
      notEquals?: string | number | boolean;
      in?: (string | number | boolean)[];
      notIn?: (string | number | boolean)[];
      /** true: present and not empty; false: missing or empty */
      exists?: boolean;
      /** a regular expression the text must match */
      matches?: string;
    }
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition };

export interface FieldRule {
  /** target path, e.g. "data.address.street" or "customer.identifiers[0].id" */
  to: string;
  /** source path, e.g. "street" or "address.lines[0]"; several paths give the transforms a list */
  from: string | string[];
  /** applied in order; skipped for a missing value (except "default" and "const") */
  transforms?: TransformRef[];
  /** used when the value is missing or empty after the transforms */
  default?: unknown;
  /** a missing or empty value is an error naming both fields, unless a default fills it */
  required?: boolean;
  /** the rule applies only when this holds; otherwise it leaves the target alone */
  when?: Condition;
  description?: string;
}

/** A repeated segment (or list) to a list of objects, each mapped by its own fields. */
export interface EachRule {
  /** source path of the repeated segment, e.g. "E1KNVVM"; a single object counts as one item */
  each: string;
  /** target path of the list, e.g. "salesAreas" */
  to: string;
  /** paths inside are relative to one item */
  fields: Rule[];
  /** constants set in every item, by path inside the item */
  set?: Record<string, unknown>;
  /** keeps only the items for which it holds, e.g. leave out deleted entries */
  where?: Condition;
  when?: Condition;
  required?: boolean;
  description?: string;
}

export type Rule = FieldRule | EachRule;

export interface RecordMapping {
  /** canonical schema name, e.g. "interaction-event" */
  produces: string;
  description?: string;
  /** constants by canonical path, e.g. { "type": "address-changed", "source.system": "crm" } */
  set?: Record<string, unknown>;
  fields: Rule[];
}

export interface OutboundMapping {
  /** canonical schema the input must satisfy, e.g. "customer" */
  consumes: string;
  description?: string;
  /** constants by legacy path, e.g. { "EDI_DC40.MESTYP": "DEBMAS" } */
  set?: Record<string, unknown>;
  /** here `to` is a legacy path and `from` a canonical one */
  fields: Rule[];
}

/** How a system's files or messages are encoded, so tools (the CLI, the editor preview) can decode them. */
export interface SpecFormat {
  kind: 'soap' | 'idoc-xml' | 'siebel-xml' | 'csv' | 'fixed-width' | 'ndjson' | 'json';
  /** the inbound record kind a file's records are mapped as, e.g. "DEBMAS"; the fallback of recordKindFrom */
  recordKind?: string;
  /** when one file carries several record kinds: which field of a record names its kind */
  recordKindFrom?: RecordKindFrom;
  /** json: where a document keeps its records, e.g. "records" in a REST query response */
  recordsPath?: string;
  /** outbound record kind for --reverse, when it differs from recordKind */
  outboundRecordKind?: string;
  /** character set of files, e.g. "windows-1252" */
  encoding?: string;
  /** CSV field delimiter, default ";" */
  delimiter?: string;
  /** fixed width: the layout JSON, relative to mappings/systems/ */
  layout?: string;
}

/**
 * The record kind from a field of the record: `kinds` maps the field's (trimmed) value to a record
 * kind, e.g. { "field": "event", "kinds": { "page_view": "PageView" } }; without `kinds` the value
 * is the record kind itself. A value not listed in `kinds` falls back to format.recordKind; without
 * `kinds`, only a missing value does (a Lead is not a Contact). Otherwise the record is an error;
 * compileRecordKind() in record-kind.ts applies it.
 */
export interface RecordKindFrom {
  field: string;
  kinds?: Record<string, string>;
}

export interface SystemSpec {
  /** legacy system id, e.g. "crm" */
  system: string;
  title: string;
  format?: SpecFormat;
  /** record kinds the system sends us (SOAP operation, IDoc type, file kind) */
  inbound: Record<string, RecordMapping>;
  /** record kinds we send the system, built from canonical documents */
  outbound?: Record<string, OutboundMapping>;
}

export interface MapContext {
  eventId?: string;
  occurredAt?: string;
  /** how to find the record again in logs, e.g. "crm/ReportAddressChange#msg-17" or "line 17" */
  recordRef?: string;
}

export interface MappingError {
  /** target field, e.g. "data.address.country" or "salesAreas[1].salesOrg" */
  field: string;
  /** source field it was mapped from, when the mapping knows it, e.g. "E1KNVVM[1].VKORG" */
  sourceField?: string;
  /** e.g. "required", "pattern", "enum", or the transform that failed: "date", "code" */
  rule: string;
  message: string;
  /** the caller's recordRef, plus the repeated segment when the error is inside one */
  record?: string;
}

export type MapResult<T> = { ok: true; value: T } | { ok: false; error: MappingError };

/** A spec that cannot compile; the message names system, record kind and rule. */
export class MappingSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MappingSpecError';
  }
}
