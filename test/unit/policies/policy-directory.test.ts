import type { InteractionEvent } from '../../../mappings/canonical/types';
import { compileCard, type PolicyCard } from '../../../policies/card';
import type { Decision } from '../../../policies/engine';
import type { LurkingOffer } from '../../../policies/lurking';
import { LurkingCardCache, mergeLurkingOffers } from '../../../policies/lurking-offers';
import { PolicyDirectory, type PolicyOwner } from '../../../policies/policy-directory';
import { addressChangeCard } from './fixtures';

const NOW = new Date('2026-11-22T10:00:00.000Z');
const TRACE = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

const lurkingCard = (policy: string, priority: number): PolicyCard => ({
  policy,
  title: { de: policy, en: policy },
  mode: 'lurking',
  when: 'contact via web',
  then: `web-offer ${policy} to web within 30d`,
  priority,
});

const addressChanged = {
  eventId: 'e-1',
  schemaVersion: '1.0',
  type: 'address-changed',
  occurredAt: NOW.toISOString(),
  channel: 'call-center',
  source: { system: 'crm' },
  customer: { ref: 'crm:4711', identifiers: [] },
  data: {},
} as unknown as InteractionEvent;

function owner(nodeId: string) {
  const emitted: { decision: Decision; source: unknown }[] = [];
  const switched: boolean[] = [];
  const it: PolicyOwner = {
    nodeId,
    emit: (decision, source) => emitted.push({ decision, source }),
    enabledChanged: (enabled) => switched.push(enabled),
  };
  return { owner: it, emitted, switched };
}

describe('PolicyDirectory', () => {
  it("emits each decision through its card's owner, stamped with the trace of its source", async () => {
    const sources: unknown[] = [];
    const directory = new PolicyDirectory({
      traceOf: (source) => {
        sources.push(source);
        return TRACE;
      },
    });
    const node = owner('node-1');
    directory.attach('eng', compileCard(addressChangeCard), node.owner, true);
    const msg = { payload: addressChanged };
    const result = await directory.evaluate('eng', addressChanged, undefined, msg);
    expect(result.decisions).toHaveLength(1);
    expect(node.emitted).toEqual([{ decision: result.decisions[0], source: msg }]);
    expect(result.decisions[0].traceparent).toBe(TRACE);
    expect(sources).toEqual([msg]);
    // the explanation covers every card of the event's type
    expect(result.explanations.map((e) => e.outcome)).toEqual(['fired']);
  });

  it('decides nothing for a card switched off, and tells its owner', async () => {
    const directory = new PolicyDirectory();
    const node = owner('node-1');
    directory.attach('eng', compileCard(addressChangeCard), node.owner, true);
    await directory.setEnabled(addressChangeCard.policy, false);
    expect(node.switched).toEqual([false]);
    const result = await directory.evaluate('eng', addressChanged, undefined, {});
    expect(result.decisions).toEqual([]);
    expect(node.emitted).toEqual([]);
  });

  it('keeps a card when another node than its owner detaches it', async () => {
    const directory = new PolicyDirectory();
    directory.attach('eng', compileCard(addressChangeCard), owner('node-1').owner, true);
    directory.detach('eng', addressChangeCard.policy, 'node-2');
    expect(directory.engine('eng').list()).toHaveLength(1);
    directory.detach('eng', addressChangeCard.policy, 'node-1');
    expect(directory.engine('eng').list()).toEqual([]);
  });

  it('ranks the lurking offers of every engine together, a card in two engines once', async () => {
    const directory = new PolicyDirectory();
    const shared = compileCard(lurkingCard('shared', 50));
    directory.attach('a', shared, owner('node-a').owner, true);
    directory.attach('a', compileCard(lurkingCard('low', 10)), owner('node-low').owner, true);
    directory.attach('b', shared, owner('node-b').owner, true);
    directory.attach('b', compileCard(lurkingCard('high', 90)), owner('node-high').owner, true);
    const offers = await directory.lurkingOffers({}, { customerRef: 'crm:1', channel: 'web' }, NOW);
    expect(offers.map((offer) => offer.policyId)).toEqual(['high', 'shared', 'low']);
  });
});

describe('lurking offers across engines', () => {
  const offer = (policyId: string, priority: number, owner: string) =>
    ({ policyId, priority, owner }) as LurkingOffer;

  it('returns a single list as it is and merges several into one ranking', () => {
    const only = [offer('a', 1, 'x')];
    expect(mergeLurkingOffers([[], only, []])).toBe(only);
    expect(mergeLurkingOffers([[], []])).toEqual([]);
    const merged = mergeLurkingOffers([
      [offer('b', 5, 'first'), offer('a', 1, 'first')],
      [offer('c', 9, 'second'), offer('b', 5, 'second')],
    ]);
    expect(merged.map((o) => [o.policyId, o.owner])).toEqual([
      ['c', 'second'],
      ['b', 'first'],
      ['a', 'first'],
    ]);
  });

  it("picks an engine's lurking cards once per generation of its card set", () => {
    const directory = new PolicyDirectory();
    directory.attach('eng', compileCard(lurkingCard('one', 10)), owner('n1').owner, true);
    directory.attach('eng', compileCard(addressChangeCard), owner('n2').owner, true);
    const engine = directory.engine('eng');
    const cache = new LurkingCardCache();
    const first = cache.of(engine);
    expect(first.entries.map((entry) => entry.policy.id)).toEqual(['one']);
    // every lurking card reads the customer's responses: an offer taken is closed
    expect(first.readsHistory).toBe(true);
    expect(cache.of(engine)).toBe(first);
    engine.register(compileCard({ ...lurkingCard('two', 20), limits: { cooldown: '7d after rejected' } }));
    const second = cache.of(engine);
    expect(second).not.toBe(first);
    expect(second.entries.map((entry) => entry.policy.id)).toEqual(['two', 'one']);
    expect(second.readsHistory).toBe(true);
  });
});
