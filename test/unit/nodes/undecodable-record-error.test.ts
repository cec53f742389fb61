import { UndecodableRecordError } from '../../../nodes/legacy-decode/legacy-decode';

describe('UndecodableRecordError', () => {
  it('names the system and the record once, whether or not the reason already does', () => {
    const reasons: [string, string, string][] = [
      [
        'line 6',
        'line 6: expected 11 fields as in the header, got 10',
        'expected 11 fields as in the header, got 10',
      ],
      [
        'line 1',
        'app-events line 1: app-events: source field "event" is missing',
        'source field "event" is missing',
      ],
      [
        'IDOC[1]',
        'sap: IDoc message type "ORDERS" is not one this system maps',
        'IDoc message type "ORDERS" is not one this system maps',
      ],
      ['document', 'the XML is not well-formed', 'the XML is not well-formed'],
    ];
    const system = (ref: string) =>
      ref === 'IDOC[1]' ? 'sap' : ref === 'line 1' ? 'app-events' : 'core-banking-accounts';
    for (const [ref, reason, rest] of reasons) {
      expect(new UndecodableRecordError(system(ref), ref, reason).message).toBe(
        `${system(ref)} ${ref}: ${rest}`,
      );
    }
  });
});
