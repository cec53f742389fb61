/**
 * The `escalation` field of a card: the ladder an escalation climbs while nobody answers. Level 0 is the
 * card's own `escalation to <recipient> within <T>`; each step names the next recipient and how long it
 * has to answer; `until` names the event type that answers the case and stops the ladder.
 *
 *   then: escalation to branch-manager within 2d
 *   escalation:
 *     until: complaint-answered
 *     steps:
 *       - regional-manager within 2d
 *       - head-of-service
 *
 * or in one line (a policy node's field): `until complaint-answered; regional-manager within 2d; head-of-service`
 */
import type { PolicyAction } from './card';
import { parseDuration } from './duration';

export interface EscalationSpec {
  /** the event type (or types) that answers the case, e.g. "complaint-answered" */
  until?: string | string[];
  /** `<recipient> within <T>`, in order; the last may leave out `within` */
  steps?: string | string[];
}

export interface EscalationLevel {
  /** the recipient, e.g. "regional-manager" */
  to: string;
  /** how long this level has to answer before the next one gets the case, as written, e.g. "2d" */
  within?: string;
  withinMs?: number;
}

export interface CompiledEscalation {
  /** event types that answer the case */
  until: string[];
  /** level 0 is the card's escalation action, then one level per step */
  levels: EscalationLevel[];
  /** the ladder in one normalized shape, for the card's content hash: one meaning, one hash */
  canonical: { until: string[]; steps: string[] };
}

export class EscalationError extends Error {
  constructor(
    /** the card field at fault, e.g. "escalation.steps[2]", "escalation.until", "then" */
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'EscalationError';
  }
}

const FIELD = 'escalation';
const KEYS = ['until', 'steps'];
const KEBAB = /^[a-z0-9]+(-[a-z0-9]+)*$/;
const STEP = /^(?:to\s+)?(\S+)(?:\s+within\s+(.+))?$/;
const UNTIL = /^until\s+(.+)$/;
const LIST_SEPARATOR = /\s*,\s*|\s+or\s+/;
const STEP_EXAMPLE = 'regional-manager within 2d';

interface CardContext {
  actions: PolicyAction[];
  /** the card's `when` types; an answer must be another type */
  eventTypes: string[];
  mode: 'trigger' | 'lurking';
}

/** Checks an `escalation` field against the rest of the card; errors name the field at fault. */
export function compileEscalation(value: unknown, card: CardContext): CompiledEscalation {
  if (card.mode === 'lurking') {
    throw new EscalationError(
      FIELD,
      'a lurking card answers contacts with offers; only a trigger card escalates',
    );
  }
  const { untilItems, stepItems } = itemsOf(value);
  const until = compileUntil(untilItems, card.eventTypes);
  if (stepItems.length === 0) {
    throw new EscalationError(
      stepItems.field,
      `needs at least one step like "${STEP_EXAMPLE}" (the level after the card's escalation)`,
    );
  }
  const first = firstLevel(card.actions);
  const steps = stepItems.items.map(([field, text]) => compileStep(field, text));
  const levels = [first.level, ...steps.map(([, level]) => level)];
  // Every level but the last needs a time to answer: it is the timer that hands the case on.
  levels.slice(0, -1).forEach((level, index) => {
    if (level.withinMs !== undefined) return;
    const next = levels[index + 1].to;
    if (index === 0) {
      throw new EscalationError(
        first.field,
        `the escalation to ${level.to} needs "within <duration>": how long ${level.to} has to answer before the case goes to ${next}`,
      );
    }
    throw new EscalationError(
      steps[index - 1][0],
      `"${level.to}" needs "within <duration>": how long it has to answer before the case goes to ${next}`,
    );
  });
  return {
    until,
    levels,
    canonical: {
      until,
      steps: levels.slice(1).map((level) => (level.within ? `${level.to} within ${level.within}` : level.to)),
    },
  };
}

interface Items {
  field: string;
  items: [string, string][];
  length: number;
}

/** The until and step texts of either form, each with the field name an error should carry. */
function itemsOf(value: unknown): { untilItems: Items; stepItems: Items } {
  if (typeof value === 'string') {
    const parts = value
      .split(';')
      .map((part) => part.trim())
      .filter(Boolean);
    const until = parts.filter((part) => UNTIL.test(part));
    const steps = parts.filter((part) => !UNTIL.test(part));
    if (until.length > 1) throw new EscalationError(FIELD, 'names "until" more than once');
    return {
      untilItems: items(
        FIELD,
        until.map((part) => UNTIL.exec(part)![1]),
      ),
      stepItems: items(FIELD, steps),
    };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new EscalationError(
      FIELD,
      `must be { until: <event type>, steps: ["${STEP_EXAMPLE}", …] }, or a text like "until complaint-answered; ${STEP_EXAMPLE}"`,
    );
  }
  for (const key of Object.keys(value)) {
    if (!KEYS.includes(key)) {
      throw new EscalationError(`${FIELD}.${key}`, `unknown key (allowed: ${KEYS.join(', ')})`);
    }
  }
  const spec = value as EscalationSpec;
  return {
    untilItems: listItems(`${FIELD}.until`, spec.until, 'complaint-answered'),
    stepItems: listItems(`${FIELD}.steps`, spec.steps, STEP_EXAMPLE),
  };
}

function items(field: string, texts: string[]): Items {
  return { field, items: texts.map((text) => [field, text]), length: texts.length };
}

/** A text (several separated by `;`) or a list of texts, list items named field[1], field[2], … */
function listItems(field: string, value: unknown, example: string): Items {
  if (value === undefined || value === null) return items(field, []);
  if (typeof value === 'string') {
    return items(
      field,
      value
        .split(';')
        .map((part) => part.trim())
        .filter(Boolean),
    );
  }
  if (!Array.isArray(value))
    throw new EscalationError(field, `must be a text or a list of texts, e.g. ${example}`);
  const found: [string, string][] = value.map((item, index) => {
    const name = `${field}[${index + 1}]`;
    if (typeof item !== 'string' || item.trim() === '') {
      throw new EscalationError(name, `must be a text, e.g. ${example}`);
    }
    return [name, item.trim()];
  });
  return { field, items: found, length: found.length };
}

function compileUntil(found: Items, eventTypes: string[]): string[] {
  if (found.length === 0) {
    throw new EscalationError(
      found.field,
      'needs the event type that answers the case and stops the ladder, e.g. until: complaint-answered',
    );
  }
  const types: string[] = [];
  for (const [field, text] of found.items) {
    for (const type of text.split(LIST_SEPARATOR).filter(Boolean)) {
      if (!KEBAB.test(type)) {
        throw new EscalationError(field, `event type "${type}" must be kebab-case, e.g. complaint-answered`);
      }
      if (eventTypes.includes(type)) {
        throw new EscalationError(
          field,
          `"${type}" is the event the card fires on; the answer that stops the ladder must be another type`,
        );
      }
      if (!types.includes(type)) types.push(type);
    }
  }
  return types;
}

function compileStep(field: string, text: string): [string, EscalationLevel] {
  const match = STEP.exec(text.trim().replace(/\s+/g, ' '));
  if (!match || !KEBAB.test(match[1])) {
    throw new EscalationError(
      field,
      `expected "<recipient> within <duration>" like "${STEP_EXAMPLE}" (the last step may leave out "within"), got "${text}"`,
    );
  }
  const [, to, within] = match;
  const level: EscalationLevel = { to };
  if (within !== undefined) {
    try {
      level.withinMs = parseDuration(within);
    } catch (error) {
      throw new EscalationError(field, `within: ${(error as Error).message}`);
    }
    level.within = within;
  }
  return [field, level];
}

/** The card's one escalation action: where the ladder starts. */
function firstLevel(actions: PolicyAction[]): { level: EscalationLevel; field: string } {
  const indexes = actions.flatMap((action, index) => (action.action === 'escalation' ? [index] : []));
  if (indexes.length !== 1) {
    throw new EscalationError(
      FIELD,
      indexes.length === 0
        ? 'the card\'s then has no "escalation to <recipient> within <duration>" for the ladder to start from'
        : `the card's then has ${indexes.length} escalation actions; a ladder starts from exactly one`,
    );
  }
  const [index] = indexes;
  const action = actions[index];
  const level: EscalationLevel = { to: action.to };
  if (action.within !== undefined) level.within = action.within;
  if (action.withinMs !== undefined) level.withinMs = action.withinMs;
  return { level, field: actions.length > 1 ? `then[${index + 1}]` : 'then' };
}
