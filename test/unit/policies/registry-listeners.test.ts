import { compileCard } from '../../../policies/card';
import { PolicyEngine, type Decision } from '../../../policies/engine';
import { PolicyRegistry, type AuditEntry } from '../../../policies/registry';
import { platinumCard, withdrawalEvent } from './fixtures';

const platinum = compileCard(platinumCard);

function setup() {
  const states = new Map<string, boolean>();
  const registry = new PolicyRegistry({
    switches: {
      isEnabled: (id) => states.get(id) ?? true,
      setEnabled: async (id, enabled) => void states.set(id, enabled),
    },
  });
  registry.declare(platinum, { kind: 'node', id: 'n1', engineId: 'eng' });
  const engine = new PolicyEngine();
  engine.register(platinum);
  const evaluate = (eventId: string, tier: string) => {
    const event = withdrawalEvent(eventId, 'crm:1', 12000) as never;
    registry.observe('eng', event, engine.evaluate(event, { customer: { tier }, isEnabled: () => true }));
  };
  return { registry, evaluate };
}

describe('PolicyRegistry listeners (the console live view)', () => {
  it('tells decision listeners every decision with its engine, until they unsubscribe', () => {
    const { registry, evaluate } = setup();
    const heard: [string, string][] = [];
    const off = registry.onDecision((decision: Decision, engineId) =>
      heard.push([decision.policyId, engineId]),
    );
    evaluate('e-1', 'platinum');
    evaluate('e-2', 'gold'); // not matched: no decision
    expect(heard).toEqual([[platinum.id, 'eng']]);
    off();
    evaluate('e-3', 'platinum');
    expect(heard).toHaveLength(1);
  });

  it('tells switch listeners each kept audit entry', async () => {
    const { registry } = setup();
    const heard: AuditEntry[] = [];
    const off = registry.onSwitch((entry) => heard.push(entry));
    await registry.setEnabled(platinum.id, false, { user: 'mia', via: 'console' });
    expect(heard).toEqual([
      expect.objectContaining({ policyId: platinum.id, enabled: false, user: 'mia', via: 'console' }),
    ]);
    off();
    await registry.setEnabled(platinum.id, true, { user: 'mia', via: 'console' });
    expect(heard).toHaveLength(1);
  });

  it('keeps the evaluation and the other listeners going when a listener throws', () => {
    const { registry, evaluate } = setup();
    const heard: string[] = [];
    registry.onDecision(() => {
      throw new Error('gone');
    });
    registry.onDecision((decision) => heard.push(decision.decisionId));
    expect(() => evaluate('e-1', 'platinum')).not.toThrow();
    expect(heard).toHaveLength(1);
    expect(registry.get(platinum.id)?.counts.today.fired).toBe(1);
  });

  it('keeps "console" as the way a switch came when the trail is read back from the store', async () => {
    const items: {
      customerRef: string;
      eventId: string;
      occurredAt: string;
      type: string;
      summary?: unknown;
    }[] = [];
    const registry = new PolicyRegistry({
      switches: { isEnabled: () => true, setEnabled: async () => undefined },
      store: () => ({
        recordInteraction: async (item) => {
          items.push(item);
          return true;
        },
        listInteractions: async () => [...items].reverse() as never,
      }),
    });
    registry.declare(platinum, { kind: 'file', id: 'cards/p.yml' });
    await registry.setEnabled(platinum.id, false, { user: 'mia', via: 'console' });
    expect((await registry.audit(platinum.id)).map((e) => e.via)).toEqual(['console']);
  });
});
