import { createHash } from 'node:crypto';
import { IdocError, type IdocDocument, type IdocSegment } from './idoc';
import { CONTROL_RECORD } from './idoc-catalogue';

/**
 * The view of one IDoc that mapping specs address (see mappings/, e.g. `E1KNA1M.KUNNR`,
 * `E1KNA1M.E1KNVVM[0].KDGRP`, `EDI_DC40.MESTYP`): the control record under EDI_DC40 and the
 * top-level segments beside it. A segment that SAP's basic type allows once per IDoc (E1KNA1M in
 * DEBMAS) is an object; every other segment stays an array.
 */
export type IdocRecord = Record<string, Record<string, string> | IdocSegment | IdocSegment[]>;

/** Top-level segments with at most one occurrence per IDoc, by basic type (SAP WE30 structures). */
export const SINGLE_TOP_SEGMENTS: Readonly<Record<string, readonly string[]>> = {
  DEBMAS07: ['E1KNA1M'],
  DEBMAS06: ['E1KNA1M'],
};

function singles(doc: { idocType: string; control: Record<string, string> }): readonly string[] {
  return SINGLE_TOP_SEGMENTS[doc.control.IDOCTYP ?? ''] ?? SINGLE_TOP_SEGMENTS[doc.idocType] ?? [];
}

export function idocToRecord(doc: IdocDocument, index = 0): IdocRecord {
  const record: IdocRecord = { [CONTROL_RECORD]: doc.control };
  const single = singles(doc);
  for (const [type, list] of Object.entries(doc.segments)) {
    if (!single.includes(type)) {
      record[type] = list;
    } else if (list.length === 1) {
      record[type] = list[0];
    } else {
      throw new IdocError(
        `IDOC[${index}]`,
        `${type} occurs ${list.length} times; ${doc.idocType} allows it once`,
      );
    }
  }
  return record;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** The reverse, for outbound mappings: `idocType` defaults to EDI_DC40.IDOCTYP. */
export function recordToIdoc(record: unknown, idocType?: string): IdocDocument {
  if (!isObject(record)) throw new IdocError('IDOC', 'the mapped record must be an object');
  const control = record[CONTROL_RECORD] ?? {};
  if (!isObject(control) || Object.values(control).some((v) => typeof v !== 'string')) {
    throw new IdocError('IDOC', `${CONTROL_RECORD} must be an object of string fields`);
  }
  const type = idocType ?? (control as Record<string, string>).IDOCTYP;
  if (!type) throw new IdocError('IDOC', `no IDoc type: pass one or set ${CONTROL_RECORD}.IDOCTYP`);
  const segments: Record<string, IdocSegment[]> = {};
  for (const [name, value] of Object.entries(record)) {
    if (name === CONTROL_RECORD) continue;
    if (Array.isArray(value)) segments[name] = value as IdocSegment[];
    else if (isObject(value)) segments[name] = [value as IdocSegment];
    else throw new IdocError('IDOC', `${name} must be a segment object or an array of segments`);
  }
  return { idocType: type, control: control as Record<string, string>, segments };
}

/**
 * A 16-digit IDoc number (EDI_DC40.DOCNUM) for the message `id` names: the same id gives the same
 * number, so a redelivered update is the same IDoc to SAP, and two updates (another golden change, or
 * another record of the target) get two numbers. Derived from a SHA-256 of the id: 10^16 numbers, so
 * a collision among a million IDocs has a chance of about 1 in 20,000,000.
 */
export function documentNumberOf(id: string): string {
  const digest = createHash('sha256').update(id, 'utf8').digest();
  return (digest.readBigUInt64BE(0) % 10_000_000_000_000_000n).toString().padStart(16, '0');
}

/**
 * The record with EDI_DC40.DOCNUM set from `id` when it has a control record without one; any
 * other record as it is. SAP's inbound needs the number to tell IDocs apart (and to refuse a repeat).
 */
export function withDocumentNumber<T>(record: T, id: string): T {
  if (!isObject(record)) return record;
  const control = record[CONTROL_RECORD];
  if (!isObject(control) || typeof control.DOCNUM === 'string') return record;
  return { ...record, [CONTROL_RECORD]: { ...control, DOCNUM: documentNumberOf(id) } };
}
