/**
 * Card versions: a content hash plus a number. The hash says whether two cards are the same policy
 * (wherever they were written: a YAML file in git, a policy node, the console); the number is what
 * people talk about ("version 3 fired 40 times"). A decision carries both, so a fired action can always
 * be traced to the exact text of the card that made it.
 */
import { createHash } from 'node:crypto';

export interface CardVersion {
  /** counts up from 1 with each change of the card's content */
  number: number;
  /** the first 16 hex digits of the SHA-256 of the card's normalized content */
  hash: string;
}

/**
 * The hash of a card's content. Stable over key order, YAML layout, and spaces outside quotes
 * (`amount  >  10000` and `amount > 10000` are one card), and over empty optional fields (`if: ""` is no
 * `if`). The card's own `version` number is not content: bumping it alone does not change the hash.
 */
export function contentHash(card: object): string {
  const normalized = normalize(Object.fromEntries(Object.entries(card).filter(([key]) => key !== 'version')));
  return createHash('sha256')
    .update(JSON.stringify(normalized) ?? 'null')
    .digest('hex')
    .slice(0, 16);
}

/**
 * The number a card's content gets after the one known before: the same number while the content is
 * unchanged, the next one when it changed. For keeping numbers where the card does not declare one.
 */
export function nextVersion(previous: CardVersion | undefined, hash: string): CardVersion {
  if (!previous) return { number: 1, hash };
  return previous.hash === hash ? previous : { number: previous.number + 1, hash };
}

function normalize(value: unknown): unknown {
  if (typeof value === 'string') return squeeze(value);
  if (Array.isArray(value)) return value.map(normalize);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const item = normalize((value as Record<string, unknown>)[key]);
      if (item === undefined || item === null || item === '') continue;
      out[key] = item;
    }
    return out;
  }
  return value;
}

/** Runs of whitespace outside quoted strings become one space; quoted text is meaning and stays. */
function squeeze(text: string): string {
  return text
    .split(/("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')/)
    .map((part, index) => (index % 2 === 1 ? part : part.replace(/\s+/g, ' ')))
    .join('')
    .trim();
}
