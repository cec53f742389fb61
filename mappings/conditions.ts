/**
 * `when` and `where` conditions, compiled once into plain predicates. The language is deliberately
 * small (compare one field, combine with all/any/not): anything richer belongs in a transform.
 */
import { MappingSpecError } from './mapping-types';
import { compileScopedGetter, type ScopedGetter } from './path';
import { isPlainObject } from './transform-support';

export type Predicate = (scope: unknown, root: unknown) => boolean;

const COMPARISONS = ['equals', 'notEquals', 'in', 'notIn', 'exists', 'matches'] as const;

/** The text a field is compared as; undefined when it is missing or not a scalar. */
function comparable(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function scalarText(where: string, value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return String(value);
  throw new MappingSpecError(
    `${where}: compare with a text, number or true/false, got ${JSON.stringify(value)}`,
  );
}

export function compileCondition(where: string, condition: unknown): Predicate {
  if (!isPlainObject(condition)) {
    throw new MappingSpecError(
      `${where}: a condition is { "field": ..., "equals": ... } or { "all" | "any": [...] } or { "not": ... }`,
    );
  }
  const keys = Object.keys(condition);
  if ('all' in condition || 'any' in condition) {
    const kind = 'all' in condition ? 'all' : 'any';
    const list = condition[kind];
    if (keys.length !== 1 || !Array.isArray(list) || list.length === 0)
      throw new MappingSpecError(
        `${where}: "${kind}" needs a non-empty list of conditions and nothing beside it`,
      );
    const parts = list.map((part, index) => compileCondition(`${where}.${kind}[${index}]`, part));
    return kind === 'all'
      ? (scope, root) => parts.every((part) => part(scope, root))
      : (scope, root) => parts.some((part) => part(scope, root));
  }
  if ('not' in condition) {
    if (keys.length !== 1)
      throw new MappingSpecError(`${where}: "not" takes one condition and nothing beside it`);
    const inner = compileCondition(`${where}.not`, condition.not);
    return (scope, root) => !inner(scope, root);
  }
  if (typeof condition.field !== 'string')
    throw new MappingSpecError(
      `${where}: "field" must name a source field, e.g. { "field": "MSGFN", "equals": "003" }`,
    );
  let get: ScopedGetter;
  try {
    get = compileScopedGetter(condition.field);
  } catch (error) {
    throw new MappingSpecError(`${where}: "field": ${(error as Error).message}`);
  }
  const tests = keys.filter((key) => key !== 'field');
  if (tests.length !== 1 || !(COMPARISONS as readonly string[]).includes(tests[0])) {
    throw new MappingSpecError(`${where}: give exactly one of ${COMPARISONS.join(', ')} beside "field"`);
  }
  const test = tests[0] as (typeof COMPARISONS)[number];
  const operand = condition[test];
  switch (test) {
    case 'equals':
    case 'notEquals': {
      const expected = scalarText(`${where}.${test}`, operand);
      return test === 'equals'
        ? (scope, root) => comparable(get(scope, root)) === expected
        : (scope, root) => comparable(get(scope, root)) !== expected;
    }
    case 'in':
    case 'notIn': {
      if (!Array.isArray(operand) || operand.length === 0)
        throw new MappingSpecError(`${where}: "${test}" needs a non-empty list`);
      const set = new Set(operand.map((item) => scalarText(`${where}.${test}`, item)));
      return test === 'in'
        ? (scope, root) => set.has(comparable(get(scope, root)) as string)
        : (scope, root) => !set.has(comparable(get(scope, root)) as string);
    }
    case 'exists': {
      if (typeof operand !== 'boolean')
        throw new MappingSpecError(`${where}: "exists" must be true or false`);
      return (scope, root) => {
        const value = get(scope, root);
        const present = value !== undefined && value !== null && comparable(value) !== '';
        return present === operand;
      };
    }
    case 'matches': {
      if (typeof operand !== 'string')
        throw new MappingSpecError(`${where}: "matches" must be a regular expression`);
      let pattern: RegExp;
      try {
        pattern = new RegExp(operand, 'u');
      } catch (error) {
        throw new MappingSpecError(`${where}: "matches": ${(error as Error).message}`);
      }
      return (scope, root) => {
        const text = comparable(get(scope, root));
        return text !== undefined && pattern.test(text);
      };
    }
  }
}
