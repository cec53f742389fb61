import type { Node, NodeAPI, NodeMessage, NodeStatus } from 'node-red';

/** Node-RED types the @types package leaves out or types too loosely for our glue. */
export type RED = NodeAPI;

export type Done = (err?: Error) => void;
export type Send = (msg: NodeMessage | (NodeMessage | NodeMessage[] | null)[]) => void;

export interface StatusCounts {
  ok: number;
  failed: number;
}

/** The words of a counting node's status; they come from the node's locale, German users read them too. */
export type CountText = (counts: StatusCounts) => string;

/**
 * The CountText of a node type whose locale has `status.counted` (e.g. "__ok__ mapped") and
 * `status.counted-rejected` (e.g. "__ok__ mapped, __failed__ rejected"). The second key exists because
 * the word order around the two numbers differs between languages.
 */
export function countText(RED: RED, type: string): CountText {
  const t = statusWords(RED);
  return ({ ok, failed }) => t(`${type}.status.${failed ? 'counted-rejected' : 'counted'}`, { ok, failed });
}

export type StatusWords = (key: string, values?: Record<string, string | number>) => string;

/**
 * RED._ for texts set on every message (counters in a status). Node-RED's i18n takes about 8 µs a
 * call, more than mapping a record, so each key is translated once with markers in place of its
 * values, and later calls only fill the values in.
 */
export function statusWords(RED: RED): StatusWords {
  // per key: the value names it was translated with and the text split around their markers, so a
  // call only joins strings (the names alternate with the literal parts: even = text, odd = name)
  const templates = new Map<string, { names: string; parts: string[] }>();
  return (key, values = {}) => {
    let names = '';
    for (const n in values) names = names === '' ? n : `${names},${n}`;
    let template = templates.get(key);
    // the same key with other value names (rare) is kept apart
    if (template !== undefined && template.names !== names) template = templates.get(`${key}\u0000${names}`);
    if (template === undefined) {
      const list = names === '' ? [] : names.split(',');
      const text = RED._(key, Object.fromEntries(list.map((n) => [n, `\uE000${n}\uE000`])));
      const compiled = { names, parts: text.split(/\uE000(\w+)\uE000/) };
      // an untranslated key (catalog not loaded yet) is not kept, so the words come once it is
      if (text === key) return list.length === 0 ? text : fill(compiled.parts, values);
      const cached = templates.get(key);
      templates.set(cached === undefined || cached.names === names ? key : `${key}\u0000${names}`, compiled);
      template = compiled;
    }
    return names === '' ? template.parts[0] : fill(template.parts, values);
  };
}

function fill(parts: string[], values: Record<string, string | number>): string {
  let text = parts[0];
  for (let i = 1; i < parts.length; i += 2) text += String(values[parts[i]]) + parts[i + 1];
  return text;
}

/** Green while everything passed, yellow once something was rejected; the words from the node's locale. */
export function countStatus(node: Node, counts: StatusCounts, text: CountText): void {
  showThrottled(node, () => ({
    fill: counts.failed > 0 ? 'yellow' : 'green',
    shape: 'dot',
    text: text(counts),
  }));
}

/**
 * A status set at every message (counts): at most one per node every 100 ms, the newest at the end of
 * it, as Node-RED's debug counter does. Each status goes to every open editor, and at hundreds of
 * messages a second the updates cost more than an editor can show. `status` is called only when shown.
 */
export function showThrottled(node: Node, status: () => NodeStatus): void {
  let throttle = throttles.get(node);
  if (throttle === undefined) {
    throttle = statusThrottle(node);
    throttles.set(node, throttle);
  }
  throttle(status);
}

const STATUS_INTERVAL_MS = 100;
const throttles = new WeakMap<Node, (status: () => NodeStatus) => void>();

function statusThrottle(node: Node): (status: () => NodeStatus) => void {
  let shownAt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let latest: () => NodeStatus = () => ({});
  node.on('close', () => clearTimeout(timer));
  const show = () => {
    timer = undefined;
    shownAt = Date.now();
    node.status(latest());
  };
  return (status) => {
    latest = status;
    if (timer !== undefined) return;
    const wait = shownAt + STATUS_INTERVAL_MS - Date.now();
    if (wait <= 0) show();
    else timer = setTimeout(show, wait);
  };
}

export { errorMessage } from '../../formats/error-message';

/**
 * Node-RED leaves `${VAR}` as it is when VAR is not set; for our URL fields that means "not
 * configured", so the embedded bus or store is used.
 */
export function configuredValue(value: string | undefined): string {
  const v = (value ?? '').trim();
  return /^\$\{\S+\}$/.test(v) ? '' : v;
}
