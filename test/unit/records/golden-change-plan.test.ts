import { goldenIdFor } from '../../../records/cross-reference';
import { uuidFromName } from '../../../records/content-hash';
import { checkLink, goldenChangedEventId } from '../../../records/golden-change-plan';
import type { SourceKey } from '../../../records/source-versions';

const crm: SourceKey = { system: 'crm', sourceId: '4711' };
const G_CRM = goldenIdFor(crm);

function linkOf(recordDocument: Record<string, unknown>, customerDocument: Record<string, unknown>) {
  return {
    key: crm,
    goldenId: G_CRM,
    events: [],
    expected: [{ goldenId: G_CRM, revision: 0 }],
    goldens: [],
    record: { ...crm, document: recordDocument, updatedAt: '2025-01-01T10:00:00Z' },
    customer: {
      customerRef: 'crm:4711',
      document: customerDocument,
      updatedAt: '2025-01-01T10:00:00Z',
      sourceSystem: 'crm',
    },
  };
}

describe('checkLink', () => {
  it("copies a document that is both the record's and the customer's once, for both, and none of it is the caller's", () => {
    const document = { customerRef: 'crm:4711', kind: 'person', person: { givenName: 'Anna' } };
    const checked = checkLink(linkOf(document, document));
    if (checked.kind !== 'link') throw new Error('not a link');
    const copy = checked.record?.record.document;
    expect(copy).toEqual(document);
    expect(copy).not.toBe(document);
    expect(copy?.person).not.toBe(document.person);
    expect(checked.customer?.document).toBe(copy);
  });

  it('copies two documents of equal content each on its own', () => {
    const document = { customerRef: 'crm:4711', kind: 'person' };
    const checked = checkLink(linkOf(document, { ...document }));
    if (checked.kind !== 'link') throw new Error('not a link');
    expect(checked.customer?.document).toEqual(checked.record?.record.document);
    expect(checked.customer?.document).not.toBe(checked.record?.record.document);
  });
});

describe('goldenChangedEventId', () => {
  it("names each golden id's revision by the same id, whichever revision was asked before", () => {
    const other = goldenIdFor({ system: 'sap', sourceId: '80042' });
    const asked: [string, number][] = [
      [G_CRM, 1],
      [G_CRM, 1],
      [G_CRM, 2],
      [other, 2],
      [G_CRM, 1],
      [G_CRM, 2],
      [other, 2],
    ];
    for (const [goldenId, revision] of asked) {
      expect(goldenChangedEventId(goldenId, revision)).toBe(
        uuidFromName(`golden.changed|${goldenId}|${revision}`),
      );
    }
    expect(goldenChangedEventId(G_CRM, 1)).not.toBe(goldenChangedEventId(G_CRM, 2));
    // as stored outboxes and targets' message ids already hold it
    expect(goldenChangedEventId(G_CRM, 1)).toBe('524d9abd-28f3-527e-8186-94eb8023ff26');
  });
});
