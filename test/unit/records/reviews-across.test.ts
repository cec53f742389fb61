import { reviewsAcross } from '../../../records/golden-operations';
import type { GoldenStore } from '../../../records/golden-store';

/**
 * Under concurrent intake (several consumers on PostgreSQL) a partner golden record can be merged into
 * this one between the match and the review lookup, or a moving member read in both member lists:
 * the lookup must not ask for a review of a record with itself (the store refuses such a pair).
 */
describe('reviewsAcross', () => {
  const members: Record<string, { system: string; sourceId: string }[]> = {
    g1: [
      { system: 'crm', sourceId: '9000' },
      { system: 'sap', sourceId: '1' },
    ],
    g2: [
      { system: 'crm', sourceId: '9000' },
      { system: 'web', sourceId: '7' },
    ],
  };
  const asked: string[] = [];
  const store = {
    listGoldenMembers: async (id: string) => members[id] ?? [],
    getReview: async (reviewId: string) => {
      asked.push(reviewId);
      return undefined;
    },
  } as unknown as GoldenStore;

  beforeEach(() => asked.splice(0));

  it('skips a member both golden records list, and asks for every other pair', async () => {
    await expect(reviewsAcross(store, 'g1', 'g2')).resolves.toEqual([]);
    expect(asked).toHaveLength(3);
  });

  it('finds no pair across a golden record and itself', async () => {
    await expect(reviewsAcross(store, 'g1', 'g1')).resolves.toEqual([]);
    expect(asked).toHaveLength(0);
  });
});
