/**
 * Arbitration: when several cards fire for one customer on one event, which of their decisions go out.
 *
 * The cards are ranked, best first:
 * - `priority` mode: higher priority, then higher score, then the tie-break;
 * - `score` mode: higher score (propensity × value × weight), then higher priority, then the tie-break.
 * A card without a score counts as score 0 in either mode. The tie-break is the policy id in code-point
 * order ("a-card" before "b-card"); ids are unique kebab-case ASCII, so the order is total and the same on
 * every hub instance and every run.
 *
 * Then each outbound channel (an action's `to`: "web", "sms", "sales-rep", …) takes at most `perChannel`
 * cards, in rank order. A card wins or loses as a whole: it needs a free place on every channel it acts
 * on, and when it has one everywhere it takes one on each (one per channel, however many of its actions go
 * there). A card that finds one of its channels full loses all its actions, also those on channels nobody
 * else wanted, and takes no place anywhere, so it keeps no lower card out. This keeps a multi-action card
 * (a call task plus the e-mail the rep refers to) from going out in halves, and matches the caps, which
 * also hold a card back as a whole. A card whose channels no other card uses always wins.
 * `perChannel: 0` means no limit: every card wins, the result only ranks them (the engine's behaviour
 * before arbitration, and the library's default).
 *
 * The function is pure: the same decisions and options give the same result, whatever the order of the
 * cards (a card's own decisions keep the order of its actions).
 */
import { DEFAULT_PRIOR_STRENGTH } from './propensity';
import type { ScoreResult } from './score';

export type ArbitrationMode = 'priority' | 'score';

export interface ArbitrationOptions {
  /** what ranks first; default "priority" */
  by?: ArbitrationMode;
  /** winning cards per outbound channel; 0 = no limit, rank only. Default 0 (the library's) */
  perChannel?: number;
  /**
   * how many deliveries a card's prior propensity is worth against learned response counts (k in
   * policies/propensity.ts); default 20
   */
  priorStrength?: number;
}

/** What arbitration reads of a decision (the engine's Decision has all of it). */
export interface Contender {
  decisionId: string;
  policyId: string;
  priority: number;
  score?: ScoreResult;
  /** the action's `to` */
  channel: string;
}

export const TIE_BREAK = 'policy id in code-point order';

export type ArbitrationRule = 'priority, then score' | 'score, then priority';

export interface RankedDecision {
  /** 1 is the best; a card's decisions are adjacent, in the order of its actions */
  rank: number;
  decisionId: string;
  policyId: string;
  channel: string;
  priority: number;
  /** only for a card with a score; a card without one counts as 0 */
  score?: number;
  propensity?: number;
  value?: number;
  weight?: number;
  /** whether the propensity was learned from responses or is the card's prior */
  propensitySource?: 'learned' | 'prior';
  /** "holdout": it won, but the customer is in the card's control group, so it was not sent */
  outcome: 'won' | 'lost' | 'holdout';
  /** for a loser: the winning decision that held the place it needed, and why that one ranks higher */
  lostTo?: { policyId: string; decisionId: string; channel: string; because: string };
}

/** The arbitration of one evaluation, as the explain view shows it. */
export interface ArbitrationExplanation {
  rule: ArbitrationRule;
  tieBreak: typeof TIE_BREAK;
  /** winning cards per channel; 0 = no limit, rank only */
  perChannel: number;
  /** one sentence, e.g. "by priority, then score, then policy id; 1 card per channel: 1 won, 1 lost" */
  summary: string;
  ranked: RankedDecision[];
}

/** A card that lost, with all its decisions. */
export interface CardLoss<D extends Contender> {
  policyId: string;
  decisions: D[];
  /** the winner's decision on the channel this card found full */
  lostTo: D;
  channel: string;
  /** e.g. "priority 80 > 40" */
  because: string;
  /** e.g. "arbitration lost to platinum-large-withdrawal (priority 80 > 40) on sales-rep" */
  reason: string;
}

export interface ArbitrationResult<D extends Contender> {
  /** the decisions that go out, best first */
  winners: D[];
  /** decisions of winning cards whose customer is in the card's control group (options.heldOut) */
  heldOut: D[];
  losers: CardLoss<D>[];
  explanation: ArbitrationExplanation;
}

export class ArbitrationOptionsError extends RangeError {
  constructor(
    /** the option that is wrong */
    readonly field: 'by' | 'perChannel' | 'priorStrength',
    message: string,
  ) {
    super(message);
    this.name = 'ArbitrationOptionsError';
  }
}

/** The options with their defaults; throws ArbitrationOptionsError naming the field that is wrong. */
export function checkArbitrationOptions(
  options: { [K in keyof ArbitrationOptions]?: unknown } = {},
): Required<ArbitrationOptions> {
  const { by = 'priority', perChannel = 0, priorStrength = DEFAULT_PRIOR_STRENGTH } = options;
  if (by !== 'priority' && by !== 'score') {
    throw new ArbitrationOptionsError('by', `arbitrate by "priority" or "score", got ${JSON.stringify(by)}`);
  }
  if (typeof perChannel !== 'number' || !Number.isInteger(perChannel) || perChannel < 0) {
    throw new ArbitrationOptionsError(
      'perChannel',
      `winners per channel must be a whole number of at least 0 (0: no limit), got ${JSON.stringify(perChannel)}`,
    );
  }
  if (typeof priorStrength !== 'number' || !Number.isFinite(priorStrength) || priorStrength < 0) {
    throw new ArbitrationOptionsError(
      'priorStrength',
      `the prior's strength must be a number of at least 0, got ${JSON.stringify(priorStrength)}`,
    );
  }
  return { by, perChannel, priorStrength };
}

/** What ranks a card: the same for each of its decisions. */
export type RankKey = Pick<Contender, 'policyId' | 'priority' | 'score'>;

/** Best first in the mode; decisions of one card compare equal, so a stable sort keeps their order. */
export function rankComparator(by: ArbitrationMode): (a: RankKey, b: RankKey) => number {
  return by === 'score' ? BY_SCORE : BY_PRIORITY;
}

const BY_PRIORITY = (a: RankKey, b: RankKey): number =>
  b.priority - a.priority || scoreOf(b) - scoreOf(a) || byId(a, b);
const BY_SCORE = (a: RankKey, b: RankKey): number =>
  scoreOf(b) - scoreOf(a) || b.priority - a.priority || byId(a, b);

export function arbitrate<D extends Contender>(
  decisions: readonly D[],
  options: ArbitrationOptions & {
    /** policy ids whose customer is in the card's control group: they compete, but are not sent */
    heldOut?: ReadonlySet<string>;
  } = {},
): ArbitrationResult<D> {
  const { by, perChannel } = checkArbitrationOptions(options);
  const heldOut = options.heldOut;
  const sorted = [...decisions].sort(rankComparator(by));
  const result: ArbitrationResult<D> = {
    winners: [],
    heldOut: [],
    losers: [],
    explanation: {
      rule: by === 'score' ? 'score, then priority' : 'priority, then score',
      tieBreak: TIE_BREAK,
      perChannel,
      summary: '',
      ranked: [],
    },
  };
  /** per channel, the winning decisions that hold its places, best first */
  const places = new Map<string, D[]>();
  for (const card of cardsOf(sorted)) {
    const first = card[0];
    const channels = distinctChannels(card);
    const full =
      perChannel > 0 ? channels.find((channel) => placesOn(places, channel) >= perChannel) : undefined;
    if (full !== undefined) {
      const holders = places.get(full)!;
      // the lowest-ranked holder is the one that beat this card by the least
      const lostTo = holders[holders.length - 1];
      const because = comparison(lostTo, first, by);
      const held = heldOut?.has(lostTo.policyId) ? `, held back for ${lostTo.policyId}'s control group` : '';
      result.losers.push({
        policyId: first.policyId,
        decisions: card,
        lostTo,
        channel: full,
        because,
        reason: `arbitration lost to ${lostTo.policyId} (${because}) on ${full}${held}`,
      });
      for (const decision of card) {
        result.explanation.ranked.push(
          ranked(decision, result.explanation.ranked.length + 1, 'lost', {
            policyId: lostTo.policyId,
            decisionId: lostTo.decisionId,
            channel: full,
            because,
          }),
        );
      }
      continue;
    }
    for (const channel of channels) {
      const holders = places.get(channel);
      const decision = card.find((item) => item.channel === channel)!;
      if (holders) holders.push(decision);
      else places.set(channel, [decision]);
    }
    const held = heldOut?.has(first.policyId) === true;
    (held ? result.heldOut : result.winners).push(...card);
    for (const decision of card) {
      result.explanation.ranked.push(
        ranked(decision, result.explanation.ranked.length + 1, held ? 'holdout' : 'won'),
      );
    }
  }
  result.explanation.summary = summary(result, by, perChannel);
  return result;
}

/**
 * arbitrate()'s verdict and nothing more, for an evaluation that explains nothing: the cards that take
 * their places (winners and held-back winners alike), best first. The same ranking and the same rule,
 * but no ranks, reasons or summary are built, and a card is ranked as one, not decision by decision.
 * `channelsOf` gives the channels of a card's actions; a card without any is left out, as it is from
 * arbitrate(), which only sees decisions.
 */
export function placedCards<C extends RankKey>(
  cards: readonly C[],
  channelsOf: (card: C) => readonly string[],
  options: { by: ArbitrationMode; perChannel: number },
): Set<C> {
  const { perChannel } = options;
  const taken = new Map<string, number>();
  const placed = new Set<C>();
  for (const card of [...cards].sort(rankComparator(options.by))) {
    const channels = channelsOf(card);
    if (channels.length === 0) continue;
    if (perChannel > 0 && channels.some((channel) => (taken.get(channel) ?? 0) >= perChannel)) continue;
    channels.forEach((channel, index) => {
      // one place per channel, however many of the card's actions go there
      if (channels.indexOf(channel) === index) taken.set(channel, (taken.get(channel) ?? 0) + 1);
    });
    placed.add(card);
  }
  return placed;
}

/** Consecutive decisions of one policy: after the sort, a card's decisions are adjacent. */
function cardsOf<D extends Contender>(sorted: readonly D[]): D[][] {
  const cards: D[][] = [];
  for (const decision of sorted) {
    const last = cards[cards.length - 1];
    if (last && last[0].policyId === decision.policyId) last.push(decision);
    else cards.push([decision]);
  }
  return cards;
}

function distinctChannels(card: readonly Contender[]): string[] {
  const channels: string[] = [];
  for (const { channel } of card) if (!channels.includes(channel)) channels.push(channel);
  return channels;
}

function placesOn(places: Map<string, Contender[]>, channel: string): number {
  return places.get(channel)?.length ?? 0;
}

function ranked(
  decision: Contender,
  rank: number,
  outcome: RankedDecision['outcome'],
  lostTo?: RankedDecision['lostTo'],
): RankedDecision {
  const entry: RankedDecision = {
    rank,
    decisionId: decision.decisionId,
    policyId: decision.policyId,
    channel: decision.channel,
    priority: decision.priority,
    outcome,
  };
  const { score } = decision;
  if (score) {
    entry.score = score.score;
    entry.propensity = score.propensity;
    entry.value = score.value;
    entry.weight = score.weight;
    entry.propensitySource = score.learned ? 'learned' : 'prior';
  }
  if (lostTo) entry.lostTo = lostTo;
  return entry;
}

/** Why `winner` ranks above `loser`: the keys in the mode's order up to the first that differs. */
export function comparison(winner: Contender, loser: Contender, by: ArbitrationMode): string {
  const priority = (): [boolean, string] => [
    winner.priority !== loser.priority,
    `priority ${winner.priority} ${winner.priority > loser.priority ? '>' : winner.priority < loser.priority ? '<' : '='} ${loser.priority}`,
  ];
  const score = (): [boolean, string] => {
    const [a, b] = [scoreOf(winner), scoreOf(loser)];
    const [shownA, shownB] = shownPair(a, b);
    return [a !== b, `score ${shownA} ${a > b ? '>' : a < b ? '<' : '='} ${shownB}`];
  };
  const parts: string[] = [];
  for (const key of by === 'score' ? [score, priority] : [priority, score]) {
    const [decides, text] = key();
    parts.push(text);
    if (decides) return parts.join(', ');
  }
  parts.push(`policy id "${winner.policyId}" before "${loser.policyId}"`);
  return parts.join(', ');
}

function summary(result: ArbitrationResult<Contender>, by: ArbitrationMode, perChannel: number): string {
  const won = new Set(result.winners.map((d) => d.policyId)).size;
  const held = new Set(result.heldOut.map((d) => d.policyId)).size;
  const rule = by === 'score' ? 'by score, then priority' : 'by priority, then score';
  const limit =
    perChannel === 0
      ? 'no limit per channel'
      : `${perChannel} card${perChannel === 1 ? '' : 's'} per channel`;
  const counts = [
    `${won} won`,
    ...(held > 0 ? [`${held} held back (holdout)`] : []),
    `${result.losers.length} lost`,
  ];
  return `${rule}, then policy id; ${limit}: ${counts.join(', ')}`;
}

function scoreOf(decision: RankKey): number {
  return decision.score?.score ?? 0;
}

function byId(a: RankKey, b: RankKey): number {
  return a.policyId < b.policyId ? -1 : a.policyId > b.policyId ? 1 : 0;
}

/** Scores to read: six significant digits, unless that would show two different scores as equal. */
function shownPair(a: number, b: number): [string, string] {
  const short = (n: number) => String(Number(n.toPrecision(6)));
  const [x, y] = [short(a), short(b)];
  return x === y && a !== b ? [String(a), String(b)] : [x, y];
}
