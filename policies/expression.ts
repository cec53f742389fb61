/**
 * The condition language of policy cards: `<path> <op> <literal>` joined by `and` / `or`, with
 * parentheses. Parsed once into closures; evaluation never looks at the text again.
 *
 *   amount > 10_000 and (customer.tier == "platinum" or customer.tags contains 'vip')
 *   amount >= 500 CHF
 *
 * A number compared with money is a threshold in a currency: the ISO 4217 code written after it, else
 * the base currency (money.ts). Money in another currency never meets it.
 */
import { compileGetter, parsePath, type Getter } from '../mappings/path';
import { DEFAULT_BASE_CURRENCY, isCurrencyCode, moneyNote, type MoneyCheck } from './money';

export type Operator = '==' | '!=' | '>' | '>=' | '<' | '<=' | 'in' | 'contains';
export type Literal = string | number | boolean | null | Literal[];

export interface Check {
  /** the comparison as written, e.g. `customer.tier == "platinum"` */
  condition: string;
  held: boolean;
  /** the value found at the path (for money objects compared with a number: their value) */
  actual: unknown;
  /** the field was not there (actual is then null): explanations say "missing" */
  missing?: true;
  /** a money threshold or sum: the currencies it judged (a mismatch never holds) */
  money?: MoneyCheck;
}

export interface ConditionResult {
  held: boolean;
  checks: Check[];
}

/** One comparison, as data. */
export interface Term {
  path: string;
  op: Operator;
  literal: Literal;
  /** the ISO 4217 code written after a number, e.g. "JPY" in `amount > 10000 JPY` */
  currency?: string;
  /** as written, e.g. `customer.tier == "platinum"` */
  text: string;
}

export interface CompileConditionOptions {
  /** the currency of a number threshold that names none; EUR when left out */
  baseCurrency?: string;
}

export interface CompiledCondition {
  /** evaluates every comparison, so an explanation lists all of them with their actual values */
  (scope: unknown): ConditionResult;
  /** short-circuit evaluation without allocations, for when no explanation is needed */
  test(scope: unknown): boolean;
  source: string;
  /** the paths the condition reads, e.g. ["customer.tier"], for checking them at compile time */
  paths: string[];
  /**
   * The comparisons that must all hold for the condition to hold (the top-level `and` chain; none when
   * the top level is an `or`). The policy index picks its key among them.
   */
  terms: Term[];
  /** every comparison, also those under an `or`, for checking them against the schema at compile time */
  comparisons: Term[];
}

export class ExpressionError extends Error {
  constructor(
    readonly source: string,
    /** 1-based character position in the source */
    readonly position: number,
    readonly token: string,
    readonly reason: string,
  ) {
    const found =
      token === '' ? ' (end of condition)' : `, found ${/^["']/.test(token) ? token : `"${token}"`}`;
    super(`${reason} at position ${position}${found}`);
    this.name = 'ExpressionError';
  }
}

type TokenKind = 'path' | 'number' | 'string' | 'op' | '(' | ')' | '[' | ']' | ',' | 'end';
interface Token {
  kind: TokenKind;
  text: string;
  value?: string | number;
  start: number;
  end: number;
}

const OPERATORS: readonly string[] = ['==', '!=', '>=', '<=', '>', '<'];
const WORD_OPERATORS: readonly string[] = ['in', 'contains'];
const OPERATOR_LIST = '== != > >= < <= in contains';

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const patterns: [TokenKind, RegExp][] = [
    ['number', /-?\d[\d_]*(?:\.\d[\d_]*)?(?![A-Za-z_])/y],
    ['path', /[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*|\[\d+\])*/y],
    // Any run of comparison characters, so "=>" reaches the parser and gets the operator message.
    ['op', /[=!<>]+/y],
  ];
  outer: while (i < source.length) {
    const ch = source[i];
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === '"' || ch === "'") {
      let j = i + 1;
      let text = '';
      while (j < source.length && source[j] !== ch) {
        if (source[j] === '\\' && j + 1 < source.length) j++;
        text += source[j++];
      }
      if (j >= source.length)
        throw new ExpressionError(source, i + 1, source.slice(i), 'unterminated string');
      tokens.push({ kind: 'string', text: source.slice(i, j + 1), value: text, start: i, end: j + 1 });
      i = j + 1;
      continue;
    }
    if ('()[],'.includes(ch)) {
      tokens.push({ kind: ch as TokenKind, text: ch, start: i, end: i + 1 });
      i++;
      continue;
    }
    for (const [kind, pattern] of patterns) {
      pattern.lastIndex = i;
      const match = pattern.exec(source);
      if (match) {
        const text = match[0];
        const token: Token = { kind, text, start: i, end: i + text.length };
        if (kind === 'number') {
          if (/_$|__|_\.|\._/.test(text))
            throw new ExpressionError(source, i + 1, text, 'misplaced "_" in number');
          token.value = Number(text.replace(/_/g, ''));
        }
        tokens.push(token);
        i += text.length;
        continue outer;
      }
    }
    const bad = /^\S+/.exec(source.slice(i))?.[0] ?? ch;
    throw new ExpressionError(source, i + 1, bad, 'unexpected character');
  }
  tokens.push({ kind: 'end', text: '', start: source.length, end: source.length });
  return tokens;
}

type Node =
  | { kind: 'and' | 'or'; left: Node; right: Node }
  | {
      kind: 'compare';
      path: string;
      op: Operator;
      literal: Literal;
      currency?: string;
      text: string;
      start: number;
    };

class Parser {
  private index = 0;
  constructor(
    private readonly source: string,
    private readonly tokens: Token[],
  ) {}

  parse(): Node {
    if (this.peek().kind === 'end') throw this.error('expected a condition like customer.tier == "platinum"');
    const node = this.parseOr();
    if (this.peek().kind !== 'end') throw this.error('expected "and", "or" or the end of the condition');
    return node;
  }

  private parseOr(): Node {
    let left = this.parseAnd();
    while (this.isWord('or')) {
      this.index++;
      left = { kind: 'or', left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): Node {
    let left = this.parsePrimary();
    while (this.isWord('and')) {
      this.index++;
      left = { kind: 'and', left, right: this.parsePrimary() };
    }
    return left;
  }

  private parsePrimary(): Node {
    const token = this.peek();
    if (token.kind === '(') {
      this.index++;
      const inner = this.parseOr();
      if (this.peek().kind !== ')') throw this.error('expected ")"');
      this.index++;
      return inner;
    }
    if (
      token.kind !== 'path' ||
      ['and', 'or', 'true', 'false', 'null', ...WORD_OPERATORS].includes(token.text)
    ) {
      throw this.error('expected a field path like customer.tier');
    }
    this.index++;
    const opToken = this.peek();
    const isOp =
      (opToken.kind === 'op' && OPERATORS.includes(opToken.text)) ||
      (opToken.kind === 'path' && WORD_OPERATORS.includes(opToken.text));
    if (!isOp) throw this.error(`expected an operator (${OPERATOR_LIST})`);
    this.index++;
    const op = opToken.text as Operator;
    const literalStart = this.peek();
    const literal = this.parseLiteral();
    const currency = typeof literal === 'number' ? this.parseCurrency() : undefined;
    const end = this.tokens[this.index - 1].end;
    if (op === 'in' && !Array.isArray(literal)) {
      throw new ExpressionError(
        this.source,
        literalStart.start + 1,
        literalStart.text,
        '"in" needs a list like ["a", "b"]',
      );
    }
    if (['>', '>=', '<', '<='].includes(op) && typeof literal !== 'number' && typeof literal !== 'string') {
      throw new ExpressionError(
        this.source,
        literalStart.start + 1,
        literalStart.text,
        `"${op}" needs a number or a string`,
      );
    }
    return {
      kind: 'compare',
      path: token.text,
      op,
      literal,
      ...(currency === undefined ? {} : { currency }),
      text: this.source.slice(token.start, end),
      start: token.start,
    };
  }

  /** the currency code after a number, e.g. `10000 JPY`; a three-letter word that is none is refused */
  private parseCurrency(): string | undefined {
    const token = this.peek();
    if (token.kind !== 'path' || !/^[A-Za-z]{3}$/.test(token.text) || ['and', 'or'].includes(token.text))
      return undefined;
    if (!isCurrencyCode(token.text)) {
      throw new ExpressionError(
        this.source,
        token.start + 1,
        token.text,
        `unknown currency "${token.text}": expected an ISO 4217 code in capitals like EUR, USD, JPY`,
      );
    }
    this.index++;
    return token.text;
  }

  private parseLiteral(): Literal {
    const token = this.peek();
    this.index++;
    switch (token.kind) {
      case 'number':
      case 'string':
        return token.value as number | string;
      case 'path':
        if (token.text === 'true') return true;
        if (token.text === 'false') return false;
        if (token.text === 'null') return null;
        break;
      case '[': {
        const items: Literal[] = [];
        if (this.peek().kind === ']') {
          this.index++;
          return items;
        }
        for (;;) {
          items.push(this.parseLiteral());
          const next = this.peek();
          this.index++;
          if (next.kind === ']') return items;
          if (next.kind !== ',') {
            this.index--;
            throw this.error('expected "," or "]" in the list');
          }
        }
      }
      default:
        break;
    }
    this.index--;
    throw this.error('expected a value: a number, a quoted string, true, false or a list ["a", "b"]');
  }

  private isWord(word: string): boolean {
    const token = this.peek();
    return token.kind === 'path' && token.text === word;
  }

  private peek(): Token {
    return this.tokens[this.index];
  }

  private error(reason: string): ExpressionError {
    const token = this.peek();
    return new ExpressionError(this.source, token.start + 1, token.text, reason);
  }
}

interface Leaf {
  test(scope: unknown): boolean;
  check(scope: unknown): Check;
}

export function compileCondition(source: string, options: CompileConditionOptions = {}): CompiledCondition {
  if (typeof source !== 'string') throw new ExpressionError(String(source), 1, '', 'condition must be text');
  const ast = new Parser(source, tokenize(source)).parse();
  const paths: string[] = [];
  const baseCurrency = options.baseCurrency ?? DEFAULT_BASE_CURRENCY;

  type Pair = { test: (scope: unknown) => boolean; explain: (scope: unknown, checks: Check[]) => boolean };
  const build = (node: Node): Pair => {
    if (node.kind === 'compare') {
      const leaf = compileComparison(source, node, baseCurrency);
      paths.push(node.path);
      return {
        test: leaf.test,
        explain: (scope, checks) => {
          const check = leaf.check(scope);
          checks.push(check);
          return check.held;
        },
      };
    }
    const left = build(node.left);
    const right = build(node.right);
    if (node.kind === 'and') {
      return {
        test: (scope) => left.test(scope) && right.test(scope),
        // Both sides run so the explanation shows every comparison, not just the first failure.
        explain: (scope, checks) => {
          const a = left.explain(scope, checks);
          const b = right.explain(scope, checks);
          return a && b;
        },
      };
    }
    return {
      test: (scope) => left.test(scope) || right.test(scope),
      explain: (scope, checks) => {
        const a = left.explain(scope, checks);
        const b = right.explain(scope, checks);
        return a || b;
      },
    };
  };
  const root = build(ast);
  const evaluate = (scope: unknown): ConditionResult => {
    const checks: Check[] = [];
    return { held: root.explain(scope, checks), checks };
  };
  return Object.assign(evaluate, {
    test: root.test,
    source,
    paths,
    terms: necessaryTerms(ast),
    comparisons: allTerms(ast),
  });
}

function termOf(node: Extract<Node, { kind: 'compare' }>): Term {
  const { path, op, literal, currency, text } = node;
  return currency === undefined ? { path, op, literal, text } : { path, op, literal, currency, text };
}

function allTerms(node: Node): Term[] {
  if (node.kind === 'compare') return [termOf(node)];
  return [...allTerms(node.left), ...allTerms(node.right)];
}

function necessaryTerms(node: Node): Term[] {
  if (node.kind === 'compare') return [termOf(node)];
  if (node.kind === 'and') return [...necessaryTerms(node.left), ...necessaryTerms(node.right)];
  return [];
}

/**
 * Several conditions that must all hold, as one. Each keeps its own source, so an error or an
 * explanation points at the part the marketer wrote.
 */
export function allOf(conditions: readonly CompiledCondition[]): CompiledCondition {
  if (conditions.length === 1) return conditions[0];
  const evaluate = (scope: unknown): ConditionResult => {
    const checks: Check[] = [];
    let held = true;
    for (const condition of conditions) {
      const result = condition(scope);
      checks.push(...result.checks);
      held &&= result.held;
    }
    return { held, checks };
  };
  const test = (scope: unknown): boolean => conditions.every((condition) => condition.test(scope));
  return Object.assign(evaluate, {
    test,
    source: conditions.map((condition) => `(${condition.source})`).join(' and '),
    paths: conditions.flatMap((condition) => condition.paths),
    terms: conditions.flatMap((condition) => condition.terms),
    comparisons: conditions.flatMap((condition) => condition.comparisons),
  });
}

function compileComparison(
  source: string,
  node: Extract<Node, { kind: 'compare' }>,
  baseCurrency: string,
): Leaf {
  let raw: Getter;
  let segments;
  try {
    segments = parsePath(node.path);
    raw = compileGetter(segments);
  } catch (error) {
    throw new ExpressionError(source, node.start + 1, node.path, (error as Error).message);
  }
  const compare = comparator(node.op, node.literal);
  const condition = node.text;
  if (typeof node.literal === 'number') {
    // `amount.value > 10000` reads the same money as `amount > 10000`: its currency counts too.
    const last = segments.length > 1 ? segments[segments.length - 1] : undefined;
    const parent = last === 'value' ? compileGetter(segments.slice(0, -1)) : undefined;
    return moneyComparison(condition, raw, parent, compare, node.currency, baseCurrency);
  }
  return {
    test: (scope) => compare(raw(scope)),
    check: (scope) => {
      const actual = raw(scope);
      const held = compare(actual);
      // null, not undefined: an explanation sent as JSON would otherwise drop what was compared
      return actual === undefined
        ? { condition, held, actual: null, missing: true }
        : { condition, held, actual };
    },
  };
}

/**
 * A number literal: marketers write `amount > 10000` and mean the money's value, so a {value: number}
 * object reads as its value, in its currency. Money (or a plain number, taken in the base currency) in
 * another currency than the threshold's does not hold, whatever the operator. Plain numbers against a
 * threshold without a currency (`data.delayMinutes >= 120`) compare as they always did.
 */
function moneyComparison(
  condition: string,
  raw: Getter,
  parent: Getter | undefined,
  compare: (actual: unknown) => boolean,
  written: string | undefined,
  baseCurrency: string,
): Leaf {
  const threshold = written ?? baseCurrency;
  /** the money object the value belongs to, if it is money */
  const moneyOf = (scope: unknown, value: unknown): object | undefined => {
    if (typeof value === 'object' && value !== null) {
      return typeof (value as { value?: unknown }).value === 'number' ? value : undefined;
    }
    if (parent === undefined || typeof value !== 'number') return undefined;
    const container = parent(scope);
    return typeof container === 'object' && container !== null ? container : undefined;
  };
  const currencyOf = (money: object | undefined): string | undefined => {
    const currency = (money as { currency?: unknown } | undefined)?.currency;
    return typeof currency === 'string' && currency !== '' ? currency : undefined;
  };
  const valueOf = (value: unknown): unknown =>
    typeof value === 'object' && value !== null && typeof (value as { value?: unknown }).value === 'number'
      ? (value as { value: number }).value
      : value;
  return {
    test: (scope) => {
      const value = raw(scope);
      const currency = currencyOf(moneyOf(scope, value)) ?? baseCurrency;
      return currency === threshold && compare(valueOf(value));
    },
    check: (scope) => {
      const value = raw(scope);
      const money = moneyOf(scope, value);
      const stated = currencyOf(money);
      const currency = stated ?? baseCurrency;
      const actual = valueOf(value);
      const held = currency === threshold && compare(actual);
      if (value === undefined) return { condition, held, actual: null, missing: true };
      // Only money, or a threshold that names its currency, speaks of currencies: minutes do not.
      const numeric = typeof actual === 'number';
      if (!numeric || (money === undefined && written === undefined)) return { condition, held, actual };
      const check: Check = { condition, held, actual, money: { currency, threshold } };
      if (stated === undefined && check.money) check.money.assumed = true;
      return check;
    },
  };
}

/** The value a check saw, with the currency it was judged in and why that failed, for a sentence. */
export function describeActual(check: Check, show: (value: unknown) => string): string {
  if (check.missing) return 'missing';
  if (!check.money) return show(check.actual);
  const note = moneyNote(check.money);
  return `${show(check.actual)} ${check.money.currency}${note ? `; ${note}` : ''}`;
}

/** A money object's value; anything else as it is. */
export function moneyValue(value: unknown): unknown {
  if (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { value?: unknown }).value === 'number'
  ) {
    return (value as { value: number }).value;
  }
  return value;
}

function comparator(op: Operator, literal: Literal): (actual: unknown) => boolean {
  switch (op) {
    case '==':
      return (actual) => equals(actual, literal);
    case '!=':
      return (actual) => !equals(actual, literal);
    case '>':
      return (actual) => sameOrderType(actual, literal) && (actual as number) > (literal as number);
    case '>=':
      return (actual) => sameOrderType(actual, literal) && (actual as number) >= (literal as number);
    case '<':
      return (actual) => sameOrderType(actual, literal) && (actual as number) < (literal as number);
    case '<=':
      return (actual) => sameOrderType(actual, literal) && (actual as number) <= (literal as number);
    case 'in': {
      const list = literal as Literal[];
      return (actual) => list.some((item) => equals(actual, item));
    }
    case 'contains':
      return (actual) => {
        if (Array.isArray(actual)) return actual.some((item) => equals(item, literal));
        return typeof actual === 'string' && typeof literal === 'string' && actual.includes(literal);
      };
  }
}

/** Ordering only between two numbers or two strings (ISO dates compare as text); anything else fails. */
function sameOrderType(actual: unknown, literal: Literal): boolean {
  return typeof actual === typeof literal && (typeof actual === 'number' || typeof actual === 'string');
}

function equals(actual: unknown, literal: Literal): boolean {
  if (Array.isArray(literal)) {
    return (
      Array.isArray(actual) &&
      actual.length === literal.length &&
      literal.every((item, i) => equals(actual[i], item))
    );
  }
  // A missing field equals null, so `customer.tier == null` reads naturally.
  if (literal === null) return actual === null || actual === undefined;
  return actual === literal;
}
