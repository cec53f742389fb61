/** The reason a dead letter of legacy-decode carries when some or all records of a message are bad. */
import { undecodableRecords } from '../../../nodes/legacy-decode/decode-errors';

const bad = (n: number) => ({ ref: `line ${n}`, error: `line ${n}: expected 6 fields, got 5` });

describe('undecodableRecords', () => {
  it('counts the good records that went on', () => {
    expect(undecodableRecords('old-crm', [bad(3), bad(5)], 3).message).toBe(
      'old-crm: 2 of 5 records cannot be read, the other 3 went on: line 3: expected 6 fields, got 5; line 5: expected 6 fields, got 5',
    );
  });

  it('says that nothing went on when no record could be read', () => {
    const message = undecodableRecords('app-events', [bad(1), bad(2)], 0).message;
    expect(message).toBe(
      'app-events: none of the 2 records can be read, nothing went on: line 1: expected 6 fields, got 5; line 2: expected 6 fields, got 5',
    );
    expect(message).not.toContain('the other 0');
  });

  it('names a single bad record of a message alone as that record', () => {
    expect(undecodableRecords('sap', [{ ref: 'IDOC[0]', error: 'sap IDOC[0]: bad' }], 0).message).toBe(
      'sap IDOC[0]: bad',
    );
  });
});
