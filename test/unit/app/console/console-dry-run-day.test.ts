import { dayStart } from '../../../../console/src/day';

describe("the dry-run's period, from the date fields", () => {
  it('is the start of the local calendar day, the day after for an inclusive end', () => {
    const from = new Date(dayStart('2025-03-30')!);
    expect([from.getFullYear(), from.getMonth(), from.getDate(), from.getHours()]).toEqual([2025, 2, 30, 0]);
    const to = new Date(dayStart('2025-12-31', 1)!);
    expect([to.getFullYear(), to.getMonth(), to.getDate(), to.getHours()]).toEqual([2026, 0, 1, 0]);
  });

  it('takes 1900 as written, never shifting a year of two digits by 1900', () => {
    const at = new Date(dayStart('1900-01-01')!);
    expect([at.getFullYear(), at.getMonth(), at.getDate()]).toEqual([1900, 0, 1]);
  });

  it('refuses a year before 1900 (0002-01-01 ran over 1902) and what is no date at all', () => {
    expect(dayStart('0002-01-01')).toBeUndefined();
    expect(dayStart('0099-12-31')).toBeUndefined();
    expect(dayStart('1899-12-31')).toBeUndefined();
    expect(dayStart('')).toBeUndefined();
    expect(dayStart('2025-02-30')).toBeUndefined();
  });
});
