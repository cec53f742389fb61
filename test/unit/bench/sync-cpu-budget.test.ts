import { coresAt, cpuBudget, formatBudget } from '../../../bench/_sync-cpu-budget';

describe('the sync benchmark CPU budget', () => {
  it('leaves the hub what the cores hold at the goal rate, minus the others at the lower of their two measures', () => {
    const budget = cpuBudget({
      cores: 2,
      goalRecordsPerSecond: 2000,
      // per record in the hub's rounds: broker 500, clients 100; per message in the raw rounds: 80 and 30
      others: { broker: 500, clients: 100 },
      rawOthers: { broker: 80, clients: 30 },
      perRecord: 4,
    });
    // 2 cores at 2,000 records/s is 1,000 µs per record; the broker 320 (4 × 80), the clients 100
    expect(budget).toEqual({ cores: 2, goalRecordsPerSecond: 2000, broker: 320, clients: 100, hub: 580 });
  });

  it('says so when there is no broker process to read, instead of a budget', () => {
    const budget = cpuBudget({
      cores: 2,
      goalRecordsPerSecond: 1000,
      others: { broker: NaN, clients: 100 },
      rawOthers: { broker: NaN, clients: 20 },
      perRecord: 4,
    });
    expect(formatBudget(budget, { hub: 1200, goldenIntake: 500 })).toContain(
      'which leaves the hub unknown (no broker process to read)',
    );
  });

  it('counts the cores the whole path takes at a rate', () => {
    expect(coresAt(1000, { hub: 1200, broker: 400, clients: 100 })).toBeCloseTo(1.7);
  });
});
