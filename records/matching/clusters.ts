/**
 * Records joined by links into clusters (the golden records to be), by union-find.
 *
 * Links are applied strongest first: the deterministic rules, then by total weight. A link that
 * would put two records into one cluster that were kept apart on contradicting evidence (different
 * tax ids; given name or birth date against each other) is refused and goes to review instead, so
 * one weak link cannot chain two people together through a third record. The strongest-first order
 * depends only on the decisions, never on the order records arrived in, so neither do the clusters.
 */
import type { DecisionRule, MatchDecision } from './match-decision';

const RULE_STRENGTH: Record<DecisionRule, number> = {
  'shared-identifier': 0,
  'national-id': 1,
  email: 2,
  weights: 3,
  'national-id-conflict': 4,
  'conflicting-given-name-and-birth-date': 4,
};

const compareText = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
/** The pair's refs in sorted order: a pair is the same pair whichever record came first. */
const sortedRefs = (d: MatchDecision) => (d.a <= d.b ? [d.a, d.b] : [d.b, d.a]);

export function byStrength(x: MatchDecision, y: MatchDecision): number {
  const [x1, x2] = sortedRefs(x);
  const [y1, y2] = sortedRefs(y);
  return (
    RULE_STRENGTH[x.explanation.rule] - RULE_STRENGTH[y.explanation.rule] ||
    y.explanation.totalWeight - x.explanation.totalWeight ||
    compareText(x1, y1) ||
    compareText(x2, y2)
  );
}

export class LinkClusters {
  private readonly numbers = new Map<string, number>();
  private readonly refs: string[] = [];
  private readonly parent: number[] = [];
  /** per root, the record numbers of its cluster */
  private readonly members: (number[] | undefined)[] = [];
  /** per record number, the numbers it must never share a cluster with */
  private readonly apart: (number[] | undefined)[] = [];

  private root(n: number): number {
    let node = n;
    while (this.parent[node] !== node) {
      const up = this.parent[node];
      this.parent[node] = this.parent[up];
      node = up;
    }
    return node;
  }

  private number(ref: string): number {
    let n = this.numbers.get(ref);
    if (n === undefined) {
      n = this.refs.length;
      this.numbers.set(ref, n);
      this.refs.push(ref);
      this.parent.push(n);
      this.members.push([n]);
      this.apart.push(undefined);
    }
    return n;
  }

  add(ref: string): void {
    this.number(ref);
  }

  /** Records that must never share a cluster. */
  keepApart(a: string, b: string): void {
    const x = this.number(a);
    const y = this.number(b);
    (this.apart[x] ??= []).push(y);
    (this.apart[y] ??= []).push(x);
  }

  /** The pair kept apart that joining a's and b's clusters would unite, if any: [from a's, from b's]. */
  contradiction(a: string, b: string): [string, string] | undefined {
    const found = this.contradictionOf(this.root(this.number(a)), this.root(this.number(b)));
    return found && [this.refs[found[0]], this.refs[found[1]]];
  }

  private contradictionOf(ra: number, rb: number): [number, number] | undefined {
    if (ra === rb) return undefined;
    const [small, large] =
      (this.members[ra] as number[]).length <= (this.members[rb] as number[]).length ? [ra, rb] : [rb, ra];
    for (const x of this.members[small] as number[]) {
      for (const y of this.apart[x] ?? []) if (this.root(y) === large) return small === ra ? [x, y] : [y, x];
    }
    return undefined;
  }

  /** Joins the two clusters unless that unites records kept apart; returns that pair then, as contradiction() does. */
  link(a: string, b: string): [string, string] | undefined {
    const ra = this.root(this.number(a));
    const rb = this.root(this.number(b));
    if (ra === rb) return undefined;
    const blocked = this.contradictionOf(ra, rb);
    if (blocked) return [this.refs[blocked[0]], this.refs[blocked[1]]];
    // The root is the member that came first, a choice that changes no cluster.
    const [keep, gone] = ra < rb ? [ra, rb] : [rb, ra];
    this.parent[gone] = keep;
    (this.members[keep] as number[]).push(...(this.members[gone] as number[]));
    this.members[gone] = undefined;
    return undefined;
  }

  sameCluster(a: string, b: string): boolean {
    return this.root(this.number(a)) === this.root(this.number(b));
  }

  /** Every cluster as its refs, sorted; clusters sorted by their first ref. */
  clusters(): string[][] {
    const result: string[][] = [];
    for (const members of this.members) if (members) result.push(members.map((n) => this.refs[n]).sort());
    return result.sort((x, y) => (x[0] < y[0] ? -1 : 1));
  }
}
