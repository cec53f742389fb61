import { allOf, compileCondition, ExpressionError } from '../../../policies/expression';

describe('policy condition expressions', () => {
  it('compares numbers (with _ separators) and explains with actual values', () => {
    const condition = compileCondition('amount.value > 10_000');
    expect(condition({ amount: { value: 15000 } })).toEqual({
      held: true,
      // money that states no currency is taken in the base currency, and the check says so
      checks: [
        {
          condition: 'amount.value > 10_000',
          held: true,
          actual: 15000,
          money: { currency: 'EUR', threshold: 'EUR', assumed: true },
        },
      ],
    });
    expect(condition({ amount: { value: 500 } })).toEqual({
      held: false,
      checks: [
        {
          condition: 'amount.value > 10_000',
          held: false,
          actual: 500,
          money: { currency: 'EUR', threshold: 'EUR', assumed: true },
        },
      ],
    });
    expect(condition.test({ amount: { value: 10001 } })).toBe(true);
    expect(condition.test({})).toBe(false);
    expect(condition.paths).toEqual(['amount.value']);
  });

  it('reads a money object compared with a number as its value', () => {
    const condition = compileCondition('amount > 10000');
    expect(condition({ amount: { value: 20000, currency: 'EUR' } })).toEqual({
      held: true,
      checks: [
        {
          condition: 'amount > 10000',
          held: true,
          actual: 20000,
          money: { currency: 'EUR', threshold: 'EUR' },
        },
      ],
    });
  });

  it('supports all operators and literal kinds', () => {
    const scope = {
      customer: { tier: 'platinum', tags: ['vip', 'dax'], age: 41, name: "O'Brien", active: true },
    };
    const cases: [string, boolean][] = [
      ['customer.tier == "platinum"', true],
      ["customer.tier == 'gold'", false],
      ['customer.tier != "gold"', true],
      ['customer.age >= 41', true],
      ['customer.age < 41', false],
      ['customer.age <= 41.5', true],
      ['customer.tier in ["gold", "platinum"]', true],
      ['customer.tier in []', false],
      ['customer.tags contains "vip"', true],
      ['customer.name contains "Brien"', true],
      ['customer.active == true', true],
      ['customer.missing == null', true],
      ['customer.tags[1] == "dax"', true],
      ['customer.age > "40"', false],
      ['customer.name == "O\\\'Brien"', true],
    ];
    for (const [source, held] of cases)
      expect([source, compileCondition(source).test(scope)]).toEqual([source, held]);
  });

  it('combines with and/or and parentheses, and explains every comparison', () => {
    const condition = compileCondition(
      'customer.tier == "platinum" and (amount.value > 10000 or customer.vip == true)',
    );
    const result = condition({ customer: { tier: 'gold', vip: false }, amount: { value: 20000 } });
    expect(result.held).toBe(false);
    expect(result.checks).toEqual([
      { condition: 'customer.tier == "platinum"', held: false, actual: 'gold' },
      {
        condition: 'amount.value > 10000',
        held: true,
        actual: 20000,
        money: { currency: 'EUR', threshold: 'EUR', assumed: true },
      },
      { condition: 'customer.vip == true', held: false, actual: false },
    ]);
    // "and" binds tighter than "or"
    expect(compileCondition('a == 1 or b == 1 and c == 1').test({ a: 1, b: 0, c: 0 })).toBe(true);
    expect(compileCondition('(a == 1 or b == 1) and c == 1').test({ a: 1, b: 0, c: 0 })).toBe(false);
  });

  it('parse errors name the position and the token', () => {
    const cases: [string, RegExp][] = [
      [
        'amount.value => 10',
        /expected an operator \(== != > >= < <= in contains\) at position 14, found "=>"/,
      ],
      ['amount.value >', /expected a value.* at position 15 \(end of condition\)/],
      [
        'customer.tier == "platinum" und x == 1',
        /expected "and", "or" or the end of the condition at position 29, found "und"/,
      ],
      ['(a == 1', /expected "\)" at position 8/],
      ['a == "open', /unterminated string at position 6/],
      ['a in "x"', /"in" needs a list like \["a", "b"\] at position 6, found "x"/],
      ['a > true', /">" needs a number or a string at position 5, found "true"/],
      ['a == 1__0', /misplaced "_" in number at position 6/],
      ['a == 1 # b', /unexpected character at position 8, found "#"/],
      ['', /expected a condition/],
      ['== 3', /expected a field path .* at position 1, found "=="/],
      ['a == [1, 2', /expected "," or "\]" in the list/],
    ];
    for (const [source, message] of cases) {
      let caught: unknown;
      try {
        compileCondition(source);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ExpressionError);
      expect([source, (caught as Error).message]).toEqual([source, expect.stringMatching(message)]);
    }
  });

  it('lists the comparisons that must hold, for the policy index', () => {
    expect(compileCondition('a == 1 and (b > 2 and c in ["x"])').terms).toEqual([
      { path: 'a', op: '==', literal: 1, text: 'a == 1' },
      { path: 'b', op: '>', literal: 2, text: 'b > 2' },
      { path: 'c', op: 'in', literal: ['x'], text: 'c in ["x"]' },
    ]);
    // under "or" no single comparison is necessary
    expect(compileCondition('a == 1 and (b > 2 or c == 3)').terms.map((term) => term.path)).toEqual(['a']);
    expect(compileCondition('a == 1 or b == 2').terms).toEqual([]);
  });

  it('allOf holds when every part holds and explains every part', () => {
    const both = allOf([compileCondition('a == 1'), compileCondition('b == 2 or c == 3')]);
    expect(both.test({ a: 1, c: 3 })).toBe(true);
    expect(both.test({ a: 2, c: 3 })).toBe(false);
    expect(both({ a: 2, b: 2 })).toEqual({
      held: false,
      checks: [
        { condition: 'a == 1', held: false, actual: 2 },
        { condition: 'b == 2', held: true, actual: 2 },
        { condition: 'c == 3', held: false, actual: null, missing: true },
      ],
    });
    expect([both.source, both.paths, both.terms.map((term) => term.text)]).toEqual([
      '(a == 1) and (b == 2 or c == 3)',
      ['a', 'b', 'c'],
      ['a == 1'],
    ]);
  });

  it('explains a missing field with actual null, so the explanation says what was compared', () => {
    const staff = compileCondition('customer.segment != "staff"');
    const { checks } = staff({ customer: { tier: 'gold' } });
    expect(JSON.parse(JSON.stringify(checks))).toStrictEqual([
      { condition: 'customer.segment != "staff"', held: true, actual: null, missing: true },
    ]);
  });
});
