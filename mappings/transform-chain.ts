/**
 * A rule's `transforms` list compiled into steps, every option checked up front, and steps chained into
 * one function.
 */
import { MappingSpecError } from './mapping-types';
import { listTransforms, transforms } from './transforms';
import { TransformOptionError, isPlainObject, type TransformFn } from './transform-support';

export interface TransformStep {
  fn: TransformFn;
  handlesMissing: boolean;
}

/** Every transform of a rule compiled (options checked), named `<where> transforms[i]` in errors. */
export function compileTransformSteps(where: string, refs: unknown): TransformStep[] {
  if (refs === undefined) return [];
  if (!Array.isArray(refs)) throw new MappingSpecError(`${where}: "transforms" must be an array`);
  return refs.map((ref, index) => compileTransform(`${where} transforms[${index}]`, ref));
}

/**
 * Steps run one after the other; a missing value (undefined, null) skips the steps that leave it
 * alone. Chaining two parts of a list gives the same as chaining the whole list. Generated as
 * straight-line calls so each chain has call sites of its own, which V8 can inline, where a loop
 * shared by every chain would see all transforms at one call site.
 */
export function chainSteps(steps: readonly TransformStep[]): TransformFn | undefined {
  if (steps.length === 0) return undefined;
  const names = steps.map((_, index) => `f${index}`);
  const body = steps
    .map(({ handlesMissing }, index) =>
      handlesMissing
        ? `value = f${index}(value, scope);\n`
        : `if (value !== undefined && value !== null) value = f${index}(value, scope);\n`,
    )
    .join('');
  const source = `"use strict";\nreturn function chain(value, scope) {\n${body}return value;\n};`;
  return new Function(...names, source)(...steps.map((step) => step.fn)) as TransformFn;
}

export function compileTransform(where: string, ref: unknown): TransformStep {
  let name: string;
  let option: unknown;
  if (typeof ref === 'string') {
    name = ref;
  } else if (isPlainObject(ref) && Object.keys(ref).length === 1) {
    [[name, option]] = Object.entries(ref);
  } else {
    throw new MappingSpecError(
      `${where}: write a transform as "name" or { "name": option }, got ${JSON.stringify(ref)}`,
    );
  }
  const definition = Object.hasOwn(transforms, name) ? transforms[name] : undefined;
  if (!definition) {
    throw new MappingSpecError(
      `${where}: unknown transform "${name}" (known: ${listTransforms().join(', ')})`,
    );
  }
  if (typeof ref === 'string' && definition.needsOption) {
    throw new MappingSpecError(`${where}: transform "${name}" needs an option: ${definition.usage}`);
  }
  try {
    return { fn: definition.create(option), handlesMissing: definition.handlesMissing === true };
  } catch (error) {
    if (error instanceof TransformOptionError) throw new MappingSpecError(`${where}: ${error.message}`);
    throw error;
  }
}
