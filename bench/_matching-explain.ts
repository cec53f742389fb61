/**
 * `node dist/bench/matching.js --check --explain`: where the generated population's linkage goes
 * wrong. Every true pair the clusters miss (a false negative) is decided again on its own and
 * classed by why it was missed (no shared block, below the review threshold, in the review band,
 * held back by the conflict guard, a link refused because a third record is kept apart from one of
 * the two) and by what the generator did to its two records (their notes); every wrong pair inside a
 * cluster (a false positive) by how its two people are related. Counts are of record pairs, as
 * precision and recall count them.
 */
import {
  candidatePairs,
  decidePair,
  linkRecords,
  NameCounts,
  type MatchConfig,
  type MatchRecord,
} from '../records/matching';
import type { Person, Population } from './_population';

type Row = Map<string, number>;

function bump(row: Row, key: string, by = 1): void {
  row.set(key, (row.get(key) ?? 0) + by);
}

function top(row: Row, count: number): [string, number][] {
  return [...row].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1)).slice(0, count);
}

const pairKey = (a: number, b: number) => (a < b ? `${a}|${b}` : `${b}|${a}`);

/** The notes of both records that can explain a miss, sorted, as one label ("moved + nickname"). */
function corruption(notes: readonly string[], other: readonly string[]): string {
  const shown = [...new Set([...notes, ...other])].filter(
    (n) => n !== 'landline' && n !== 'tax-id' && n !== 'date-two-digit-year',
  );
  return shown.length === 0 ? '(none)' : shown.sort().join(' + ');
}

function relation(a: Person, b: Person): string {
  if (a.home !== b.home) return 'other households';
  const sameBirth =
    a.birth.year === b.birth.year && a.birth.month === b.birth.month && a.birth.day === b.birth.day;
  if (sameBirth) return 'twins (one household, one birth date)';
  if (a.givenName === b.givenName) return 'father and son of one name';
  return 'one household (spouses, parent and child, siblings)';
}

export interface LinkageExplanation {
  missedPairs: number;
  wrongPairs: number;
  /** why the true pairs were missed, with their counts */
  reasons: [string, number][];
  /** the report, ready to print */
  lines: string[];
}

export function explainLinkage(
  population: Population,
  records: readonly MatchRecord[],
  config: MatchConfig,
): LinkageExplanation {
  const personOf = population.records.map((r) => r.personId);
  const notesOf = population.records.map((r) => r.notes);
  const result = linkRecords(records, config);
  const clusterOf = new Map<string, number>();
  result.clusters.forEach((cluster, i) => cluster.forEach((ref) => clusterOf.set(ref, i)));
  const counts = new NameCounts(config.nameFrequencyPrior);
  for (const record of records) counts.add(record);
  const compared = new Set(candidatePairs(records, config.maxBlockSize).map(([a, b]) => pairKey(a, b)));

  const byPerson = new Map<number, number[]>();
  personOf.forEach((person, i) => byPerson.set(person, [...(byPerson.get(person) ?? []), i]));

  const reasons: Row = new Map();
  const byReason = new Map<string, Row>();
  const byNote: Row = new Map();
  let missed = 0;
  for (const members of byPerson.values()) {
    for (let i = 0; i < members.length; i++) {
      for (let j = i + 1; j < members.length; j++) {
        const [a, b] = [members[i], members[j]];
        if (clusterOf.get(records[a].ref) === clusterOf.get(records[b].ref)) continue;
        missed++;
        const decision = decidePair(config, records[a], records[b], counts);
        const { conflicts, comparisons, totalWeight } = decision.explanation;
        let reason: string;
        if (decision.outcome === 'link')
          reason = compared.has(pairKey(a, b))
            ? 'a link, refused: a third record is kept apart from one of them'
            : 'would link, but no shared block';
        else if (!compared.has(pairKey(a, b))) reason = `no shared block (pair: ${decision.outcome})`;
        else if (decision.outcome === 'review')
          reason =
            conflicts.length > 0
              ? `review, held by the conflict guard: ${conflicts.join(', ')} differ`
              : 'review band (no conflict)';
        else if (conflicts.length >= 2) reason = 'apart: given name and birth date both differ';
        else if (decision.explanation.rule === 'national-id-conflict') reason = 'apart: national ids differ';
        else
          reason =
            conflicts.length > 0
              ? `apart: below the review threshold, ${conflicts.join(', ')} differ`
              : 'apart: below the review threshold';
        bump(reasons, reason);
        const levels = comparisons
          .filter((c) => ['givenName', 'familyName', 'birthDate'].includes(c.field))
          .map((c) => `${c.field}=${c.level}`)
          .join(' ');
        const row = byReason.get(reason) ?? new Map<string, number>();
        byReason.set(reason, row);
        bump(row, `${corruption(notesOf[a], notesOf[b])}  [${levels}; ${Math.round(totalWeight)} bits]`);
        for (const note of new Set([...notesOf[a], ...notesOf[b]])) bump(byNote, note);
      }
    }
  }

  const lines = [`explain: ${missed} true pairs missed (false negatives), by why:`];
  for (const [reason, n] of top(reasons, 50)) {
    lines.push(`  ${String(n).padStart(6)}  ${reason}`);
    for (const [label, m] of top(byReason.get(reason) as Row, 12))
      lines.push(`          ${String(m).padStart(6)}  ${label}`);
  }
  lines.push(
    'explain: false negatives by what the generator did to either record (a pair counts under each):',
  );
  for (const [note, n] of top(byNote, 40)) lines.push(`  ${String(n).padStart(6)}  ${note}`);

  // False positives: pairs of two people inside one cluster, by how the two are related.
  const wrong: Row = new Map();
  const wrongRule: Row = new Map();
  const byRef = new Map(records.map((r, i) => [r.ref, i]));
  const directLinks = new Map<string, string>();
  for (const link of result.links)
    directLinks.set(pairKey(byRef.get(link.a) as number, byRef.get(link.b) as number), link.explanation.rule);
  let wrongPairs = 0;
  for (const cluster of result.clusters) {
    const numbers = cluster.map((ref) => byRef.get(ref) as number);
    for (let i = 0; i < numbers.length; i++) {
      for (let j = i + 1; j < numbers.length; j++) {
        const [a, b] = [numbers[i], numbers[j]];
        if (personOf[a] === personOf[b]) continue;
        wrongPairs++;
        const kind = relation(population.people[personOf[a]], population.people[personOf[b]]);
        bump(wrong, kind);
        bump(wrongRule, `${kind}: ${directLinks.get(pairKey(a, b)) ?? 'no direct link (chained)'}`);
      }
    }
  }
  lines.push(
    `explain: ${wrongPairs} wrong pairs linked (false positives), by how the two people are related:`,
  );
  for (const [kind, n] of top(wrong, 10)) lines.push(`  ${String(n).padStart(6)}  ${kind}`);
  for (const [kind, n] of top(wrongRule, 20)) lines.push(`          ${String(n).padStart(6)}  ${kind}`);
  return { missedPairs: missed, wrongPairs, reasons: top(reasons, reasons.size), lines };
}
