/**
 * Lurking offers across several engines at contact time. A web page asks for the next best offer at
 * every visit, while an engine's lurking cards change only on deploy: so each engine's lurking cards are
 * picked out once per generation of its card set, and the offers of several engines are merged into one
 * ranking in which a card deployed to two engines counts once.
 */
import type { PolicyEngine, RegisteredPolicy } from './engine';
import { byLurkingRank, type LurkingOffer } from './lurking';

/** An engine's lurking cards as of one generation of its card set, and whether any reads history. */
export interface LurkingCards {
  generation: number;
  entries: RegisteredPolicy[];
  readsHistory: boolean;
}

export class LurkingCardCache {
  // weak: an engine dropped with its node takes its cards with it
  private readonly cards = new WeakMap<PolicyEngine, LurkingCards>();

  of(engine: PolicyEngine): LurkingCards {
    const cached = this.cards.get(engine);
    if (cached?.generation === engine.generation) return cached;
    const entries = engine.list().filter(({ policy }) => policy.mode === 'lurking');
    const cards: LurkingCards = {
      generation: engine.generation,
      entries,
      readsHistory: entries.some(
        ({ policy }) => policy.history.length > 0 || !!policy.limits.cooldown || !!policy.limits.closed,
      ),
    };
    this.cards.set(engine, cards);
    return cards;
  }
}

/**
 * One ranking of the offers of several engines, each list ranked and unique already (evaluateLurking's).
 * A card deployed to two engines counts once, with the offer of the engine listed first. A single list
 * with offers comes back as it is.
 */
export function mergeLurkingOffers(perEngine: readonly LurkingOffer[][]): LurkingOffer[] {
  const withOffers = perEngine.filter((offers) => offers.length > 0);
  if (withOffers.length <= 1) return withOffers[0] ?? [];
  const merged = new Map<string, LurkingOffer>();
  for (const offers of withOffers) {
    for (const offer of offers) if (!merged.has(offer.policyId)) merged.set(offer.policyId, offer);
  }
  return [...merged.values()].sort(byLurkingRank);
}
