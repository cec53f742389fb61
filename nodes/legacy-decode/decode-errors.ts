/** Why legacy-decode refuses a message, or some records of it: what Catch nodes and dead letters see. */

/** the bad records one reason names in full; the rest are counted */
const NAMED_FAILURES = 20;

/** A message a legacy system sent in its own format that the hub cannot read: what Catch nodes see. */
export class UndecodableRecordError extends Error {
  readonly kind = 'rejected';
  constructor(
    readonly system: string,
    readonly ref: string,
    reason: string,
    /** the reason names several records itself, each with its place */
    several = false,
  ) {
    super(several ? `${system}: ${reason}` : `${system} ${ref}: ${withoutPrefix(reason, system, ref)}`);
    this.name = 'UndecodableRecordError';
  }
}

/**
 * The readers and the record-kind resolver already name the line or record ("line 6: …", "sap IDOC[1]:
 * …"); said once is enough.
 */
function withoutPrefix(reason: string, system: string, ref: string): string {
  const prefixes = [`${system} ${ref}: `, `${ref}: `, `${system}: `];
  let rest = reason;
  for (let found = true; found;) {
    const prefix = prefixes.find((p) => rest.startsWith(p));
    found = prefix !== undefined;
    if (prefix) rest = rest.slice(prefix.length);
  }
  return rest;
}

/**
 * The bad records of a message whose good ones went on: every bad one named (up to NAMED_FAILURES,
 * then counted), so one fix and one replay suffice.
 */
export function undecodableRecords(
  system: string,
  failures: readonly { ref: string; error: string }[],
  taken: number,
): UndecodableRecordError {
  const first = failures[0];
  if (failures.length === 1 && taken === 0) return new UndecodableRecordError(system, first.ref, first.error);
  const named = failures
    .slice(0, NAMED_FAILURES)
    .map((f) => `${f.ref}: ${withoutPrefix(f.error, system, f.ref)}`);
  const more = failures.length > NAMED_FAILURES ? `; and ${failures.length - NAMED_FAILURES} more` : '';
  // "the other 0 went on" read as if something had been taken
  const summary =
    taken === 0
      ? `none of the ${failures.length} records can be read, nothing went on`
      : `${failures.length} of ${failures.length + taken} records cannot be read, the other ${taken} went on`;
  return new UndecodableRecordError(system, first.ref, `${summary}: ${named.join('; ')}${more}`, true);
}

/** A message with more records than the node takes: refused whole, before any record of it went on. */
export class RecordLimitError extends Error {
  readonly kind = 'too-many-records';
  constructor(
    readonly system: string,
    readonly limit: number,
  ) {
    super(
      `${system}: the message holds more than ${limit} records, the most the legacy-decode node takes in one message (its "Max records"); nothing of it was taken: send smaller messages, or raise "Max records" (and amqp-in's Timeout, within which all of them must be stored)`,
    );
    this.name = 'RecordLimitError';
  }
}
