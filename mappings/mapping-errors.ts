/** Turning a rule failure into the MappingError a caller sees, with record and segment. */
import { RuleFailure } from './block';
import { MappingSpecError, type MappingError } from './mapping-types';
import { isPlainObject } from './transform-support';

export const SYSTEM_ID = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** The system id of a spec, checked; shared with the outbound direction. */
export function specSystem(spec: unknown): string {
  if (!isPlainObject(spec)) throw new MappingSpecError('mapping spec must be an object');
  if (typeof spec.system !== 'string' || !SYSTEM_ID.test(spec.system)) {
    throw new MappingSpecError(
      `mapping spec: "system" must be a kebab-case id, got ${JSON.stringify(spec.system)}`,
    );
  }
  return spec.system;
}

/** "msg-17 segment E1KNVVM[2]": the caller's reference plus where inside the record. */
export function recordLabel(recordRef: string | undefined, segment: string | undefined): string | undefined {
  if (segment === undefined) return recordRef;
  return recordRef === undefined ? `segment ${segment}` : `${recordRef} segment ${segment}`;
}

export function failure(error: MappingError): { ok: false; error: MappingError } {
  if (error.record === undefined) delete error.record;
  if (error.sourceField === undefined) delete error.sourceField;
  return { ok: false, error };
}

export function fromRuleFailure(
  error: RuleFailure,
  recordRef: string | undefined,
): { ok: false; error: MappingError } {
  return failure({
    field: error.field,
    sourceField: error.sourceField,
    rule: error.rule,
    message: error.explain(),
    record: recordLabel(recordRef, error.segment),
  });
}
