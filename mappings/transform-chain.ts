/** A rule's `transforms` list compiled into one function, with every option checked up front. */
import { MappingSpecError } from './mapping-types';
import { listTransforms, transforms } from './transforms';
import { TransformOptionError, isPlainObject, type TransformFn } from './transform-support';

interface Step {
  fn: TransformFn;
  handlesMissing: boolean;
}

export function compileTransformChain(where: string, refs: unknown): TransformFn | undefined {
  if (refs === undefined) return undefined;
  if (!Array.isArray(refs)) throw new MappingSpecError(`${where}: "transforms" must be an array`);
  const steps = refs.map((ref, index) => compileTransform(`${where} transforms[${index}]`, ref));
  if (steps.length === 0) return undefined;
  if (steps.length === 1 && !steps[0].handlesMissing) {
    const only = steps[0].fn;
    return (value, scope) => (value === undefined || value === null ? value : only(value, scope));
  }
  return (value, scope) => {
    let current = value;
    for (let i = 0; i < steps.length; i++) {
      if ((current === undefined || current === null) && !steps[i].handlesMissing) continue;
      current = steps[i].fn(current, scope);
    }
    return current;
  };
}

export function compileTransform(where: string, ref: unknown): Step {
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
