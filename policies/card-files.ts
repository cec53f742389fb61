/**
 * Cards as YAML files, one card per file, so policies live in git beside the flows that feed them.
 * Every error names the file, the line and the card field ("line 4, field limits.per-customer: …"),
 * whether the YAML itself is broken or the card in it is; a folder with one bad card still yields the
 * good ones.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, visit, type Document } from 'yaml';
import { compileCard, PolicyCardError, type CompiledPolicy, type PolicyCard } from './card';

export class CardFileError extends Error {
  constructor(
    readonly file: string,
    /** 1-based; undefined when the file could not be read at all */
    readonly line: number | undefined,
    /** the card field at fault, e.g. "limits.per-customer", "history[2]"; "card" for the whole file */
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${file}: ${line === undefined ? '' : `line ${line}, `}field ${field}: ${problem}`);
    this.name = 'CardFileError';
  }
}

export interface LoadedCard {
  file: string;
  policy: CompiledPolicy;
}

export interface CardFolder {
  /** in file name order */
  cards: LoadedCard[];
  errors: CardFileError[];
}

type YamlDocument = Document.Parsed;

/** Parses and compiles one card; throws a CardFileError naming the line and the field. */
export function parseCardYaml(text: string, file = 'card.yaml'): CompiledPolicy {
  return parseCard(text, file).policy;
}

function parseCard(text: string, file: string): { policy: CompiledPolicy; lineOf(field: string): number } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const lineAt = (offset: number) => lineCounter.linePos(offset).line;
  const [syntax] = doc.errors;
  if (syntax) {
    const offset = syntax.pos[0];
    if (syntax.code === 'MULTIPLE_DOCS') {
      throw new CardFileError(
        file,
        lineAt(offset),
        'card',
        'one card per file (found a second "---" document)',
      );
    }
    const { field, start } = fieldAt(doc, offset);
    // A quote or bracket left open is noticed at the end of the file; the line where it opened helps more.
    const line = offset >= text.trimEnd().length && start !== undefined ? lineAt(start) : lineAt(offset);
    throw new CardFileError(file, line, field, syntax.message);
  }
  if (!isMap(doc.contents)) {
    const line = doc.contents?.range ? lineAt(doc.contents.range[0]) : 1;
    throw new CardFileError(
      file,
      line,
      'card',
      'the file must hold one card: a map of fields like "policy: my-card"',
    );
  }
  // An alias makes one place of a card mean what another says; a card is short enough to need none.
  let alias: number | undefined;
  visit(doc, {
    Alias(_key, node) {
      alias = node.range?.[0] ?? 0;
      return visit.BREAK;
    },
  });
  if (alias !== undefined) {
    throw new CardFileError(
      file,
      lineAt(alias),
      fieldAt(doc, alias).field,
      'aliases (*name) are not allowed in a card; write the value out',
    );
  }
  const card = doc.toJS() as PolicyCard;
  const lineOf = (field: string) => lineOfField(doc, field, lineAt);
  try {
    return { policy: compileCard(card), lineOf };
  } catch (error) {
    if (!(error instanceof PolicyCardError)) throw error;
    throw new CardFileError(file, lineOf(error.field), error.field, error.problem);
  }
}

/**
 * Reads every *.yaml and *.yml card of a folder (not its subfolders). A card that does not parse or
 * compile, or repeats another's policy id, is reported and left out; the others load.
 */
export async function loadCardFolder(directory: string): Promise<CardFolder> {
  const names = (await readdir(directory, { withFileTypes: true }))
    .filter((entry) => entry.isFile() && /\.ya?ml$/i.test(entry.name))
    .map((entry) => entry.name)
    .sort();
  const result: CardFolder = { cards: [], errors: [] };
  const seen = new Map<string, string>();
  for (const name of names) {
    let text: string;
    try {
      text = await readFile(join(directory, name), 'utf8');
    } catch (error) {
      result.errors.push(
        new CardFileError(name, undefined, 'card', `cannot be read: ${(error as Error).message}`),
      );
      continue;
    }
    try {
      const { policy, lineOf } = parseCard(text, name);
      const other = seen.get(policy.id);
      if (other !== undefined) {
        result.errors.push(
          new CardFileError(
            name,
            lineOf('policy'),
            'policy',
            `"${policy.id}" is already the policy of ${other}`,
          ),
        );
        continue;
      }
      seen.set(policy.id, name);
      result.cards.push({ file: name, policy });
    } catch (error) {
      if (error instanceof CardFileError) result.errors.push(error);
      else throw error;
    }
  }
  return result;
}

/**
 * The line of a card field in the YAML: "limits.per-customer" is the line of that key, "history[2]"
 * the line of the second list item. A field inside a text (then[2] of "a; b", or the where part of
 * when) gets the line of the text.
 */
function lineOfField(doc: YamlDocument, field: string, lineAt: (offset: number) => number): number {
  let node: unknown = doc.contents;
  let line = 1;
  const segments = field
    .replace(/\s*\(.*\)$/, '')
    .split('.')
    .flatMap((part) => {
      const match = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
      if (!match) return [part];
      const indexes = [...match[2].matchAll(/\[(\d+)\]/g)].map((index) => Number(index[1]));
      return [match[1], ...indexes].filter((segment) => segment !== '');
    });
  for (const segment of segments) {
    if (typeof segment === 'string' && isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && item.key.value === segment);
      if (!pair || !isScalar(pair.key) || !pair.key.range) break;
      line = lineAt(pair.key.range[0]);
      node = pair.value;
    } else if (typeof segment === 'number' && isSeq(node)) {
      const item = node.items[segment - 1] as { range?: [number, number, number] } | undefined;
      if (!item?.range) break;
      line = lineAt(item.range[0]);
      node = item;
    } else {
      break;
    }
  }
  return line;
}

/** The card field a byte offset falls in, and where that field starts, for YAML syntax errors. */
function fieldAt(doc: YamlDocument, offset: number): { field: string; start?: number } {
  let node: unknown = doc.contents;
  const path: string[] = [];
  let start: number | undefined;
  for (;;) {
    if (isMap(node)) {
      const pair = node.items.find((item) => {
        const start = (item.key as { range?: number[] } | null)?.range?.[0];
        const end =
          (item.value as { range?: number[] } | null)?.range?.[2] ??
          (item.key as { range?: number[] } | null)?.range?.[2];
        return start !== undefined && end !== undefined && offset >= start && offset <= end;
      });
      // A key with spaces is YAML's recovery from a broken value, not a field: the field is the parent.
      if (!pair || !isScalar(pair.key) || !/^[A-Za-z][\w-]*$/.test(String(pair.key.value))) break;
      path.push(String(pair.key.value));
      start = pair.key.range?.[0];
      node = pair.value;
    } else if (isSeq(node)) {
      const index = node.items.findIndex((item) => {
        const range = (item as { range?: number[] } | null)?.range;
        return range !== undefined && offset >= range[0] && offset <= range[2];
      });
      if (index < 0) break;
      path[path.length - 1] = `${path[path.length - 1] ?? ''}[${index + 1}]`;
      node = node.items[index];
      start = (node as { range?: number[] }).range?.[0];
    } else {
      break;
    }
  }
  return { field: path.length ? path.join('.') : 'card', start };
}
