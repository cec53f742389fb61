import { setBounded } from '../../../records/bounded-map';

describe('setBounded', () => {
  it('keeps at most max entries, making room with the oldest, and moves a key set again to the newest place', () => {
    const map = new Map<string, number>();
    setBounded(map, 'a', 1, 2);
    setBounded(map, 'b', 2, 2);
    setBounded(map, 'a', 3, 2); // a is now the newest: b goes next
    setBounded(map, 'c', 4, 2);
    expect([...map]).toEqual([
      ['a', 3],
      ['c', 4],
    ]);
  });
});
