/**
 * The checks bench/mapping.ts runs before it times anything, on the SAP fixtures: ours, the JSONata
 * anchor and the hand-written mapping agree record by record and file by file, and a side that does
 * different work is caught. A RESULT line can only come from a run where these checks passed.
 */
import {
  anchorRecord,
  anchorXml,
  checkRecordPath,
  checkXmlPath,
  customerRecords,
  handWrittenRecord,
  oursRecord,
  oursXml,
  sapFixtures,
  SidesDiffer,
  type Outcome,
} from '../../../bench/_mapping-sides';

const files = sapFixtures();
const file = (name: string) => {
  const found = files.find((f) => f.name === name);
  if (!found) throw new Error(`fixture ${name} is missing`);
  return found;
};

describe('mapping benchmark: the sides do the same work', () => {
  it('maps every customer record of every fixture alike with ours, JSONata and by hand', async () => {
    const { samples, rejected } = await checkRecordPath(customerRecords(files));
    expect(samples.length).toBeGreaterThanOrEqual(7);
    // the bad-records fixture: a country, a date and a tier no side may accept
    expect(rejected).toBe(3);
  });

  it('maps every fixture file alike from bytes, deletions and definition names included', async () => {
    await expect(checkXmlPath(files)).resolves.toMatchObject({ rejected: 3, deletions: 1 });
  });

  it('reads the ISO-8859-1 file with definition names into the same full customer on both sides', async () => {
    const latin1 = file('debmas07-definition-names-latin1.xml');
    const [mine] = oursXml(latin1.xml);
    const [theirs] = await anchorXml(latin1.xml);
    expect(mine).toMatchObject({
      kind: 'mapped',
      doc: { customerRef: 'sap:80042', organization: { legalName: 'Zürcher Käserei AG' } },
    });
    expect(theirs).toEqual(mine);
  });

  it('reads the kind alike on every side: forms of address, STKZN, other ANREDs, Firma, none', async () => {
    const [template] = customerRecords([file('debmas07-create.xml')]);
    const variants: Record<string, string | undefined>[] = [
      { ANRED: 'Frau', NAME1: 'Anna', NAME2: 'Schmidt' },
      { ANRED: undefined, STKZN: 'X', NAME1: 'Anna', NAME2: 'Schmidt' },
      { ANRED: 'Dr.', NAME1: 'Anna', NAME2: 'Schmidt' },
      { ANRED: 'Gemeinde', NAME1: 'Stadt Köln', NAME2: undefined },
      { ANRED: 'Firma', STKZN: 'X', NAME1: 'Muster Bau', NAME2: 'GmbH' },
      { ANRED: undefined, NAME1: 'Muster Bau', NAME2: 'GmbH' },
    ];
    const records = variants.map((fields, i) => {
      const record = structuredClone(template.record) as { E1KNA1M: Record<string, unknown> };
      for (const [key, value] of Object.entries(fields)) {
        if (value === undefined) delete record.E1KNA1M[key];
        else record.E1KNA1M[key] = value;
      }
      return { where: `variant ${i}`, record };
    });
    const { samples } = await checkRecordPath(records);
    expect(samples).toHaveLength(variants.length);
    expect(records.map((r) => (oursRecord(r.record) as { doc: { kind: string } }).doc.kind)).toEqual([
      'person',
      'person',
      'person',
      'organization',
      'organization',
      'organization',
    ]);
  });

  it('stops on an anchor that maps the deletion IDoc the others skip', async () => {
    const mapsDeletions = async (xml: Buffer): Promise<Outcome[]> => {
      const outcomes = await anchorXml(xml);
      return outcomes.map((o) =>
        o.kind === 'deletion' ? { kind: 'mapped', doc: { customerRef: 'sap:' } } : o,
      );
    };
    await expect(
      checkXmlPath([file('debmas07-two-idocs.xml')], { ours: oursXml, anchor: mapsDeletions }),
    ).rejects.toThrow(/debmas07-two-idocs\.xml: ours and xml2js \+ JSONata differ/);
  });

  it('stops on a side whose document differs in one field, or that accepts what ours rejects', async () => {
    const records = customerRecords([file('debmas07-create.xml'), file('debmas07-bad-records.xml')]);
    const wrongTier = async (record: Record<string, unknown>): Promise<Outcome> => {
      const o = await anchorRecord(record);
      return o.kind === 'mapped' ? { kind: 'mapped', doc: { ...(o.doc as object), tier: 'basic' } } : o;
    };
    await expect(
      checkRecordPath(records, { ours: oursRecord, anchor: wrongTier, handWritten: handWrittenRecord }),
    ).rejects.toThrow(SidesDiffer);
    const acceptsAll = (record: Record<string, unknown>): Outcome =>
      ({ kind: 'mapped', doc: (oursRecord(record) as { doc?: unknown }).doc ?? {} }) as Outcome;
    await expect(
      checkRecordPath(records, { ours: oursRecord, anchor: anchorRecord, handWritten: acceptsAll }),
    ).rejects.toThrow(/ours and hand-written differ/);
  });

  it('stops when a mapped document is not a valid canonical customer, even if both sides agree', async () => {
    const invalid = (): Outcome[] => [{ kind: 'mapped', doc: { customerRef: 'sap:' } }];
    await expect(
      checkXmlPath([file('debmas07-create.xml')], { ours: invalid, anchor: invalid }),
    ).rejects.toThrow(/not a valid canonical customer/);
  });
});
