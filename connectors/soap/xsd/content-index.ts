import type { ComplexType, ElementDecl, Particle, ValidationError, Wildcard } from './model';

/** Where an element sits when it is one branch of an xsd:choice. */
interface BranchRef {
  choice: number;
  branch: number;
}

export interface Slot {
  decl: ElementDecl;
  /** occurrences required when its branch (if any) is taken */
  min: number;
  max: number;
  /** JSON shape: an array whenever the schema allows more than one */
  repeated: boolean;
  branch?: BranchRef;
}

interface ChoiceInfo {
  min: number;
  max: number;
  /** element names per branch */
  branches: string[][];
  parent?: BranchRef;
}

export interface WildcardSlot {
  wildcard: Wildcard;
  max: number;
}

/**
 * A complex type's content model flattened to what JSON can express: which element names may occur,
 * how often, in which document order, and which exclude each other. Order within a sequence is not
 * enforced on input (legacy clients get it wrong and lose nothing by it); replies are written in
 * schema order.
 */
export interface ContentIndex {
  byName: Map<string, Slot>;
  order: Slot[];
  choices: ChoiceInfo[];
  wildcards: WildcardSlot[];
}

const cache = new WeakMap<ComplexType, ContentIndex>();

export function contentIndex(type: ComplexType): ContentIndex {
  let index = cache.get(type);
  if (!index) {
    index = { byName: new Map(), order: [], choices: [], wildcards: [] };
    if (type.content) walk(type.content, 1, 1, undefined, index, []);
    cache.set(type, index);
  }
  return index;
}

function walk(
  particle: Particle,
  min: number,
  max: number,
  branch: BranchRef | undefined,
  index: ContentIndex,
  names: string[],
): void {
  const pMin = min * particle.minOccurs;
  const pMax = max * particle.maxOccurs;
  switch (particle.kind) {
    case 'element': {
      const name = particle.decl.name;
      names.push(name);
      const known = index.byName.get(name);
      if (known) {
        // the same name twice in one model (a, b, a): counts add up
        known.min += pMin;
        known.max += pMax;
        known.repeated = known.max > 1;
        return;
      }
      const slot: Slot = { decl: particle.decl, min: pMin, max: pMax, repeated: pMax > 1 };
      if (branch) slot.branch = branch;
      index.byName.set(name, slot);
      index.order.push(slot);
      return;
    }
    case 'any':
      index.wildcards.push({ wildcard: particle.wildcard, max: pMax });
      return;
    case 'sequence':
    case 'all':
      for (const item of particle.items) walk(item, pMin, pMax, branch, index, names);
      return;
    case 'choice': {
      const info: ChoiceInfo = { min: pMin, max: pMax, branches: [] };
      if (branch) info.parent = branch;
      const id = index.choices.push(info) - 1;
      particle.items.forEach((item, i) => {
        const own: string[] = [];
        // inside a branch, requirements hold only when that branch is taken
        walk(item, 1, pMax, { choice: id, branch: i }, index, own);
        info.branches.push(own);
        names.push(...own);
      });
      return;
    }
  }
}

/**
 * Checks how often each element occurs against the flattened model. `count` gives the occurrences of
 * a name; `field` builds the path used in messages.
 */
export function checkOccurrences(
  index: ContentIndex,
  count: (name: string) => number,
  field: (name: string) => string,
  where: string,
  errors: ValidationError[],
): void {
  const taken = (ref: BranchRef | undefined): boolean => {
    if (!ref) return true;
    const choice = index.choices[ref.choice];
    return choice.branches[ref.branch].some((n) => count(n) > 0) && taken(choice.parent);
  };
  for (const slot of index.order) {
    const n = count(slot.decl.name);
    const path = field(slot.decl.name);
    if (n > slot.max) {
      errors.push({ field: path, message: `field '${path}' occurs ${n} times, at most ${slot.max} allowed` });
    } else if (n < slot.min && (slot.branch === undefined || taken(slot.branch))) {
      errors.push({
        field: path,
        message:
          n === 0 && slot.min === 1
            ? `field '${path}' is required`
            : `field '${path}' occurs ${n} times, at least ${slot.min} required`,
      });
    }
  }
  for (const choice of index.choices) {
    if (choice.parent && !taken(choice.parent)) continue;
    const present = choice.branches.filter((names) => names.some((n) => count(n) > 0));
    const options = choice.branches.map((names) => names.join(' + ') || '(nothing)').join(' | ');
    if (present.length > choice.max) {
      errors.push({
        field: field(present[1][0]),
        message: `in '${where}' only one of ${options} may be given, found ${present.map((p) => p.filter((n) => count(n) > 0).join(' + ')).join(' and ')}`,
      });
    } else if (present.length === 0 && choice.min > 0 && !choice.branches.some((b) => b.length === 0)) {
      errors.push({
        field: field(choice.branches[0][0] ?? ''),
        message: `in '${where}' one of ${options} is required`,
      });
    }
  }
}
