/**
 * One block of rules (a record, or one item of a repeated segment) compiled into one generated
 * function that runs its rules in order, plus one generated builder (template.ts). The getters,
 * conditions and transforms stay closures handed to the generated code; each rule gets its own call
 * sites, so V8 specializes (and inlines) them per rule instead of seeing every rule through one shared
 * loop. An `each` rule runs its own compiled block per item. Shared by the inbound and the outbound
 * direction.
 */
import { compileCondition, type Predicate } from './conditions';
import { MappingSpecError } from './mapping-types';
import { compileScopedGetter, formatPath, ROOT_KEY, type PathSegment, type ScopedGetter } from './path';
import { checkSchemaPath, itemSchema, parseSpecPath, type SchemaPosition } from './schema-paths';
import { OutputTemplate, TemplateConflictError, type BuildFn } from './template';
import { chainSteps, compileTransformSteps, type TransformStep } from './transform-chain';
import { TransformError, describe, isPlainObject } from './transform-support';

/** A rule failed for one record; map() turns it into a MappingError with full paths. */
export class RuleFailure extends Error {
  constructor(
    readonly field: string,
    readonly sourceField: string | undefined,
    readonly rule: string,
    readonly detail: string,
    /** the repeated segment it happened in, e.g. "E1KNVVM[2]" */
    readonly segment?: string,
  ) {
    super(detail);
    this.name = 'RuleFailure';
  }

  /** The same failure seen from the enclosing block: item k of `to`, item i of `each`. */
  within(to: string, outIndex: number, each: string, inIndex: number): RuleFailure {
    const item = `${each}[${inIndex}]`;
    const source =
      this.sourceField === undefined || this.sourceField.startsWith(`${ROOT_KEY}.`)
        ? this.sourceField
        : `${item}.${this.sourceField}`;
    return new RuleFailure(
      `${to}[${outIndex}]${this.field === '' ? '' : `.${this.field}`}`,
      source,
      this.rule,
      this.detail,
      this.segment === undefined ? item : `${item}.${this.segment}`,
    );
  }

  explain(): string {
    const from = this.sourceField === undefined ? '' : ` (from source field "${this.sourceField}")`;
    if (this.rule === 'required' && this.detail === '') {
      return `${this.field} is required but source field "${this.sourceField}" is missing or empty`;
    }
    return `${this.field}${from}: ${this.detail}`;
  }
}

/** Where target fields came from, with [*] for the items of repeated segments. */
export interface SourceLink {
  target: string;
  source: string;
  segment?: string;
}

export interface BlockSpec {
  where: string;
  direction: 'inbound' | 'outbound';
  rules: unknown;
  set: unknown;
  /** inbound: the canonical schema `to` paths are checked against */
  target?: SchemaPosition;
  /** outbound: the canonical schema `from` paths are checked against */
  source?: SchemaPosition;
  /** outbound: the whole canonical document, where `$root.` paths start */
  sourceDocument?: SchemaPosition;
  /** root of an inbound mapping: eventId and occurredAt come from the context when the spec leaves them open */
  envelope: boolean;
  links: SourceLink[];
  linkPrefix: { target: string; source: string; segment?: string };
}

export interface CompiledBlock {
  run(
    scope: Record<string, unknown>,
    root: unknown,
    eventId?: unknown,
    occurredAt?: unknown,
  ): Record<string, unknown>;
  /** envelope fields the builder takes from its arguments */
  envelope: Set<string>;
}

type Step = (scope: Record<string, unknown>, root: unknown, values: unknown[]) => void;

/** The generated rules of a block: fill `values`. */
type RunRules = (scope: Record<string, unknown>, root: unknown, values: unknown[]) => void;

const FIELD_RULE_KEYS = ['to', 'from', 'transforms', 'default', 'required', 'when', 'description'];
const EACH_RULE_KEYS = ['each', 'to', 'fields', 'set', 'where', 'when', 'required', 'description'];

/** A rule mapping one source field (or several) through transforms to one target field. */
interface FieldRule {
  when: Predicate | undefined;
  /** spec text of the condition, to evaluate one shared by several rules once */
  whenKey: string | undefined;
  /** one getter, or several whose values form a list (undefined when all are missing) */
  getters: ScopedGetter[];
  several: boolean;
  steps: TransformStep[];
  /** spec text of `from` and of each transform, to find rules that start the same way */
  fromKey: string;
  transformKeys: string[];
  hasDefault: boolean;
  fallback: unknown;
  required: boolean;
  to: string;
  sourceField: string;
}

interface PlannedRule {
  label: string;
  segments: PathSegment[];
  to: string;
  optional: boolean;
  field?: FieldRule;
  /** `each` rules stay a closure over their item block */
  make?(slot: number): Step;
}

/** Marks a shared value not computed yet in this run (undefined is a value). */
const NOT_YET = Symbol('not computed');

export function compileBlock(spec: BlockSpec): CompiledBlock {
  const { where } = spec;
  if (!Array.isArray(spec.rules)) throw new MappingSpecError(`${where}: "fields" must be an array`);
  const planned = spec.rules.map((rule, index) => planRule(spec, `${where} fields[${index}]`, rule));

  // Several rules may fill one target (alternatives under `when`): they share a slot, the first that
  // yields a value wins.
  const slots = new Map<string, { slot: number; segments: PathSegment[]; optional: boolean }>();
  const ruleSlots: number[] = [];
  for (const rule of planned) {
    let entry = slots.get(rule.to);
    if (!entry) {
      entry = { slot: slots.size, segments: rule.segments, optional: rule.optional };
      slots.set(rule.to, entry);
    } else entry.optional ||= rule.optional;
    ruleSlots.push(entry.slot);
  }
  const sharing = planSharing(planned);
  const runRules = generateRules(planned, ruleSlots, sharing, spec.direction === 'outbound');

  const template = new OutputTemplate();
  const envelope = new Set<string>();
  try {
    addConstants(spec, template);
    for (const { slot, segments, optional } of slots.values())
      template.addLeaf(segments, { kind: 'field', index: slot, optional });
    if (spec.envelope && spec.target && isPlainObject(spec.target.node)) {
      const properties = isPlainObject(spec.target.node.properties) ? spec.target.node.properties : {};
      for (const name of ['eventId', 'occurredAt'] as const) {
        if (name in properties && !template.has([name])) {
          template.addLeaf([name], { kind: 'envelope', name });
          envelope.add(name);
        }
      }
    }
  } catch (error) {
    if (error instanceof TemplateConflictError) throw new MappingSpecError(`${where}: ${error.message}`);
    throw error;
  }
  const build: BuildFn = template.compile();

  // run() is synchronous and a block never runs inside itself, and build() copies the values out, so
  // one array per block serves every call.
  const values: unknown[] = new Array(slots.size).fill(undefined);
  return {
    envelope,
    run(scope, root, eventId, occurredAt) {
      values.fill(undefined);
      runRules(scope, root, values);
      return build(values, eventId, occurredAt);
    },
  };
}

/** Per rule: the shared value it starts from, and after how many of its transforms. */
interface Sharing {
  count: number;
  byRule: Map<number, { slot: number; length: number }>;
}

/**
 * Rules that read the same `from` and begin with the same transforms (title, given and family name
 * each split one name field, then pick their part) compute that beginning once per run. Only a
 * beginning that every such rule continues from with transforms of its own is shared, so two targets
 * never hold the same object.
 */
function planSharing(planned: readonly PlannedRule[]): Sharing {
  const byRule = new Map<number, { slot: number; length: number }>();
  const keys = new Map<string, number>();
  planned.forEach((rule, index) => {
    const mine = rule.field;
    if (mine === undefined) return;
    let length = 0;
    for (const other of planned) {
      const theirs = other.field;
      if (theirs === undefined || theirs === mine || theirs.fromKey !== mine.fromKey) continue;
      const limit = Math.min(mine.transformKeys.length, theirs.transformKeys.length) - 1;
      let common = 0;
      while (common < limit && mine.transformKeys[common] === theirs.transformKeys[common]) common++;
      length = Math.max(length, common);
    }
    if (length === 0) return;
    const key = JSON.stringify([mine.fromKey, mine.transformKeys.slice(0, length)]);
    let slot = keys.get(key);
    if (slot === undefined) {
      slot = keys.size;
      keys.set(key, slot);
    }
    byRule.set(index, { slot, length });
  });
  return { count: keys.size, byRule };
}

/**
 * One function running every rule of the block in order. Per field rule: its condition, its slot
 * (an earlier alternative may have filled it), the value read and transformed (or taken from a value
 * shared with other rules), then default / required / skip for a missing value. Transform errors
 * become RuleFailures naming the rule's target and source field. Shared values and conditions that
 * several rules spell the same are locals of the run, computed by the first rule that needs them.
 */
function generateRules(
  planned: readonly PlannedRule[],
  ruleSlots: readonly number[],
  sharing: Sharing,
  outbound: boolean,
): RunRules {
  const names: string[] = [];
  const bound: unknown[] = [];
  const bind = (value: unknown): string => {
    names.push(`k${names.length}`);
    bound.push(value);
    return names[names.length - 1];
  };
  const fail = bind(transformFailure);
  const missing = bind(requiredFailure);
  const legacy = bind(legacyValue);
  const isMissing = (value: string) => `(${value} === undefined || ${value} === null || ${value} === '')`;
  const whenCount = new Map<string, number>();
  for (const { field } of planned) {
    if (field?.whenKey !== undefined) whenCount.set(field.whenKey, (whenCount.get(field.whenKey) ?? 0) + 1);
  }
  const sharedWhen = new Map<string, string>();
  let locals = '';
  for (let slot = 0; slot < sharing.count; slot++) locals += `let s${slot} = NOT_YET;\n`;

  let code = '';
  planned.forEach((rule, index) => {
    const slot = ruleSlots[index];
    if (rule.make) {
      code += `${bind(rule.make(slot))}(scope, root, values);\n`;
      return;
    }
    const field = rule.field as FieldRule;
    const about = bind({ to: field.to, sourceField: field.sourceField });
    let when = '';
    if (field.when !== undefined && field.whenKey !== undefined) {
      const test = `${bind(field.when)}(scope, root)`;
      if ((whenCount.get(field.whenKey) ?? 0) > 1) {
        let local = sharedWhen.get(field.whenKey);
        if (local === undefined) {
          local = `w${sharedWhen.size}`;
          sharedWhen.set(field.whenKey, local);
          locals += `let ${local};\n`;
        }
        when = `(${local} === undefined ? (${local} = ${test}) : ${local}) && `;
      } else when = `${test} && `;
    }
    let read: string;
    if (!field.several) read = `value = ${bind(field.getters[0])}(scope, root);\n`;
    else {
      const parts = field.getters.map((get) => `${bind(get)}(scope, root)`);
      const allMissing = field.getters.map((_, i) => isMissing(`value[${i}]`)).join(' && ');
      read = `value = [${parts.join(', ')}];\nif (${allMissing}) value = undefined;\n`;
    }
    const apply = (steps: readonly TransformStep[]): string => {
      const transform = chainSteps(steps);
      if (transform === undefined) return '';
      return `try {\nvalue = ${bind(transform)}(value, scope);\n} catch (error) {\nthrow ${fail}(error, ${about});\n}\n`;
    };
    code += `if (${when}values[${slot}] === undefined) {\nlet value;\n`;
    const share = sharing.byRule.get(index);
    if (share === undefined) {
      code += read + apply(field.steps);
    } else {
      const local = `s${share.slot}`;
      code += `if (${local} === NOT_YET) {\n${read}${apply(field.steps.slice(0, share.length))}${local} = value;\n} else value = ${local};\n`;
      code += apply(field.steps.slice(share.length));
      // A transform of its own may hand the shared object back unchanged (default, for one): the
      // target gets a copy, so two outputs never hold (and mutate) one object.
      code += `if (value === ${local} && typeof value === "object" && value !== null) value = structuredClone(value);\n`;
    }
    const store = `values[${slot}] = ${outbound ? `${legacy}(value, ${about})` : 'value'};\n`;
    if (field.hasDefault) {
      const fallback = bind(field.fallback);
      // An object default is copied so two outputs never share (and mutate) one object.
      const copy = typeof field.fallback === 'object' && field.fallback !== null;
      code += `if ${isMissing('value')} value = ${copy ? `structuredClone(${fallback})` : fallback};\n${store}`;
    } else if (field.required) {
      code += `if ${isMissing('value')} throw ${missing}(${about});\n${store}`;
    } else {
      code += `if (!${isMissing('value')}) ${store}`;
    }
    code += '}\n';
  });
  const source = `"use strict";\nreturn function runRules(scope, root, values) {\n${locals}${code}};`;
  return new Function('NOT_YET', ...names, source)(NOT_YET, ...bound) as RunRules;
}

interface RuleAbout {
  to: string;
  sourceField: string;
}

function transformFailure(error: unknown, { to, sourceField }: RuleAbout): unknown {
  return error instanceof TransformError
    ? new RuleFailure(to, sourceField, error.rule, error.message)
    : error;
}

function requiredFailure({ to, sourceField }: RuleAbout): RuleFailure {
  return new RuleFailure(to, sourceField, 'required', '');
}

function addConstants(spec: BlockSpec, template: OutputTemplate): void {
  const { set, where } = spec;
  if (set === undefined) return;
  if (!isPlainObject(set)) throw new MappingSpecError(`${where}: "set" must be an object of path -> value`);
  for (const [to, value] of Object.entries(set)) {
    const label = `${where} set["${to}"]`;
    if (value === undefined) throw new MappingSpecError(`${label}: needs a value`);
    const segments = parseSpecPath(label, to, '"set" key');
    if (spec.target) checkSchemaPath(label, spec.target, segments);
    if (hasProtoKey(value)) {
      // The builder writes constants as object literals, where "__proto__" sets the prototype.
      throw new MappingSpecError(`${label}: a constant cannot contain the key "__proto__"`);
    }
    try {
      template.addConstant(segments, value);
    } catch (error) {
      if (error instanceof TemplateConflictError) throw new MappingSpecError(`${label}: ${error.message}`);
      throw error;
    }
  }
}

function hasProtoKey(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasProtoKey);
  if (typeof value !== 'object' || value === null) return false;
  return Object.keys(value).some(
    (key) => key === '__proto__' || hasProtoKey((value as Record<string, unknown>)[key]),
  );
}

function checkKeys(where: string, rule: Record<string, unknown>, allowed: string[]): void {
  for (const key of Object.keys(rule)) {
    if (!allowed.includes(key))
      throw new MappingSpecError(`${where}: unknown key "${key}" (allowed: ${allowed.join(', ')})`);
  }
}

function optionalCondition(where: string, name: string, condition: unknown): Predicate | undefined {
  return condition === undefined ? undefined : compileCondition(`${where} ${name}`, condition);
}

function compileSource(where: string, spec: BlockSpec, path: string): ScopedGetter {
  const segments = parseSpecPath(where, path, '"from"');
  if (spec.source) {
    const fromRoot = segments[0] === ROOT_KEY;
    // $root paths of an outbound item start at the canonical document, not at the item.
    const at = fromRoot ? (spec.sourceDocument ?? spec.source) : spec.source;
    checkSchemaPath(where, at, fromRoot ? segments.slice(1) : segments);
  }
  return compileScopedGetter(path);
}

function isMissing(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

function planRule(spec: BlockSpec, where: string, rule: unknown): PlannedRule {
  const target = spec.direction === 'inbound' ? 'canonical' : 'legacy';
  if (!isPlainObject(rule))
    throw new MappingSpecError(`${where}: must be an object with "to" and "from" (or "each")`);
  if (typeof rule.to !== 'string') throw new MappingSpecError(`${where}: "to" must be a ${target} path`);
  const label = `${where} (to "${rule.to}")`;
  const segments = parseSpecPath(label, rule.to, '"to"');
  const targetNode = spec.target ? checkSchemaPath(label, spec.target, segments) : undefined;
  const to = formatPath(segments);
  if (rule.required !== undefined && typeof rule.required !== 'boolean')
    throw new MappingSpecError(`${label}: "required" must be true or false`);
  const required = rule.required === true;
  const when = optionalCondition(label, 'when', rule.when);
  return 'each' in rule
    ? planEach(spec, label, rule, segments, to, targetNode, required, when)
    : planField(spec, label, rule, segments, to, required, when);
}

function planField(
  spec: BlockSpec,
  label: string,
  rule: Record<string, unknown>,
  segments: PathSegment[],
  to: string,
  required: boolean,
  when: Predicate | undefined,
): PlannedRule {
  checkKeys(label, rule, FIELD_RULE_KEYS);
  const from = rule.from;
  let getters: ScopedGetter[];
  let sourceField: string;
  if (typeof from === 'string') {
    getters = [compileSource(`${label} "from"`, spec, from)];
    sourceField = from;
  } else if (Array.isArray(from) && from.length > 0 && from.every((path) => typeof path === 'string')) {
    getters = from.map((path: string, index) => compileSource(`${label} from[${index}]`, spec, path));
    sourceField = from.join('+');
  } else {
    throw new MappingSpecError(`${label}: "from" must be a source field path (or a list of them)`);
  }
  const steps = compileTransformSteps(label, rule.transforms);
  const hasDefault = rule.default !== undefined;
  spec.links.push({
    target: spec.linkPrefix.target + to,
    source: sourceField.startsWith(`${ROOT_KEY}.`) ? sourceField : spec.linkPrefix.source + sourceField,
    segment: spec.linkPrefix.segment,
  });
  return {
    label,
    segments,
    to,
    optional: (!required && !hasDefault) || when !== undefined,
    field: {
      when,
      whenKey: rule.when === undefined ? undefined : JSON.stringify(rule.when),
      getters,
      several: typeof from !== 'string',
      steps,
      fromKey: JSON.stringify(from),
      transformKeys: Array.isArray(rule.transforms)
        ? rule.transforms.map((ref: unknown) => JSON.stringify(ref))
        : [],
      hasDefault,
      fallback: rule.default,
      required,
      to,
      sourceField,
    },
  };
}

/** Legacy encoders (XML, CSV, fixed width) write text: numbers become text, anything else is an error. */
function legacyValue(value: unknown, about: RuleAbout): unknown {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (Array.isArray(value)) return value.map((item) => legacyValue(item, about));
  const { to, sourceField } = about;
  const hint = typeof value === 'boolean' ? '; add a "flag" transform to write it' : '';
  throw new RuleFailure(to, sourceField, 'type', `a legacy field holds text, got ${describe(value)}${hint}`);
}

function planEach(
  spec: BlockSpec,
  label: string,
  rule: Record<string, unknown>,
  segments: PathSegment[],
  to: string,
  targetNode: SchemaPosition | undefined,
  required: boolean,
  when: Predicate | undefined,
): PlannedRule {
  checkKeys(label, rule, EACH_RULE_KEYS);
  if (typeof rule.each !== 'string') throw new MappingSpecError(`${label}: "each" must be a source path`);
  const each = rule.each;
  const eachSegments = parseSpecPath(`${label} "each"`, each, '"each"');
  let sourceItem: SchemaPosition | undefined;
  if (spec.source) {
    sourceItem = itemSchema(checkSchemaPath(`${label} "each"`, spec.source, eachSegments));
  }
  const get = compileScopedGetter(each);
  const where = optionalCondition(label, 'where', rule.where);
  const sourceLink = `${spec.linkPrefix.source}${each}[*]`;
  const segmentLink = `${spec.linkPrefix.segment === undefined ? '' : `${spec.linkPrefix.segment}.`}${each}[*]`;
  spec.links.push({ target: `${spec.linkPrefix.target}${to}[*]`, source: sourceLink, segment: segmentLink });
  const item = compileBlock({
    where: `${label} each "${each}"`,
    direction: spec.direction,
    rules: rule.fields,
    set: rule.set,
    target: targetNode === undefined ? undefined : itemSchema(targetNode),
    source: sourceItem,
    sourceDocument: spec.sourceDocument,
    envelope: false,
    links: spec.links,
    linkPrefix: {
      target: `${spec.linkPrefix.target}${to}[*].`,
      source: `${sourceLink}.`,
      segment: segmentLink,
    },
  });
  return {
    label,
    segments,
    to,
    optional: !required || when !== undefined,
    make: (slot) => (scope, root, values) => {
      if (when !== undefined && !when(scope, root)) return;
      if (values[slot] !== undefined) return;
      const found = get(scope, root);
      if (isMissing(found)) {
        if (required) throw new RuleFailure(to, each, 'required', '');
        return;
      }
      // XML decoders give a segment that occurs once as an object, not as a list of one.
      const items = Array.isArray(found) ? found : isPlainObject(found) ? [found] : undefined;
      if (items === undefined)
        throw new RuleFailure(
          to,
          each,
          'each',
          `expects repeated segments (objects), got ${describe(found)}`,
        );
      const out: Record<string, unknown>[] = [];
      for (let i = 0; i < items.length; i++) {
        const entry: unknown = items[i];
        if (!isPlainObject(entry)) {
          throw new RuleFailure(
            `${to}[${out.length}]`,
            `${each}[${i}]`,
            'each',
            `expects an object, got ${describe(entry)}`,
            `${each}[${i}]`,
          );
        }
        if (where !== undefined && !where(entry, root)) continue;
        try {
          out.push(item.run(entry, root));
        } catch (error) {
          if (error instanceof RuleFailure) throw error.within(to, out.length, each, i);
          throw error;
        }
      }
      values[slot] = out;
    },
  };
}

/**
 * Maps a target field of a validation error (e.g. "salesAreas[1].salesOrg") back to its source
 * ("E1KNVVM[1].VKORG") and segment. Item indexes are the output's; they equal the source's unless a
 * `where` filter dropped items before it. Runs only on the error path.
 */
export function linkResolver(
  links: readonly SourceLink[],
): (field: string) => { sourceField?: string; segment?: string } {
  const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const compiled = [...links]
    .sort((a, b) => b.target.length - a.target.length)
    .map((link) => ({
      link,
      pattern: new RegExp(`^${escape(link.target).replace(/\\\[\\\*\\\]/g, '\\[(\\d+)\\]')}(?=$|[.[])`),
    }));
  const fill = (pattern: string | undefined, indexes: string[]): string | undefined => {
    let next = 0;
    return pattern?.replace(/\[\*\]/g, () => `[${indexes[next++] ?? '*'}]`);
  };
  return (field) => {
    for (const { link, pattern } of compiled) {
      const match = pattern.exec(field);
      if (!match) continue;
      const indexes = match.slice(1);
      const sourceField = fill(link.source, indexes);
      const segment = fill(link.segment, indexes);
      return { sourceField, ...(segment === undefined ? {} : { segment }) };
    }
    return {};
  };
}
