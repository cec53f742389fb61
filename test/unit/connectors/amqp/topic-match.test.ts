import { compileTopicPattern, topicMatches } from '../../../../connectors/amqp/topic-match';

describe('AMQP topic matching', () => {
  const cases: [pattern: string, key: string, expected: boolean][] = [
    ['a.b.c', 'a.b.c', true],
    ['a.b.c', 'a.b', false],
    ['a.b.c', 'a.b.c.d', false],
    ['a.*.c', 'a.x.c', true],
    ['a.*.c', 'a.c', false],
    ['a.*.c', 'a.x.y.c', false],
    ['*', 'one', true],
    ['*', '', false],
    ['*', 'one.two', false],
    ['#', '', true],
    ['#', 'a.b.c', true],
    ['a.#', 'a', true],
    ['a.#', 'a.b.c', true],
    ['a.#', 'b.a', false],
    ['#.c', 'c', true],
    ['#.c', 'a.b.c', true],
    ['#.c', 'a.b.c.d', false],
    ['a.#.c', 'a.c', true],
    ['a.#.c', 'a.x.y.c', true],
    ['a.#.c', 'a.x.y.d', false],
    ['#.*', '', false],
    ['#.*', 'a', true],
    ['*.#.*', 'a', false],
    ['*.#.*', 'a.b', true],
    ['#.#', 'x.y', true],
    ['a.#.b.#.c', 'a.b.c', true],
    ['a.#.b.#.c', 'a.x.b.y.z.c', true],
    ['a.#.b.#.c', 'a.x.c.y.b', false],
    ['', '', true],
    ['', 'a', false],
    ['a*', 'ab', false],
    ['a*', 'a*', true],
    ['a..b', 'a..b', true],
    ['a.*.b', 'a..b', true],
    ['event.*.call-center', 'address-changed.call-center', false],
    ['*.call-center', 'address-changed.call-center', true],
  ];

  it.each(cases)('pattern %p against key %p is %p', (pattern, key, expected) => {
    expect(compileTopicPattern(pattern)(key)).toBe(expected);
    expect(topicMatches(pattern, key)).toBe(expected);
  });

  it('stays fast on many # with a non-matching key (no backtracking blow-up)', () => {
    const pattern = Array.from({ length: 30 }, () => '#.a').join('.') + '.b';
    const key = Array.from({ length: 60 }, () => 'a').join('.');
    expect(compileTopicPattern(pattern)(key)).toBe(false);
  });

  it('rejects a non-string pattern with a clear error', () => {
    expect(() => compileTopicPattern(42 as unknown as string)).toThrow(
      'topic pattern must be a string, got number',
    );
  });
});
