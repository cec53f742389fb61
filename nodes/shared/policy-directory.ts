import type { InteractionEvent } from '../../mappings/canonical/types';
import type { CompiledPolicy } from '../../policies/card';
import { PolicyEngine, type Decision, type Evaluation } from '../../policies/engine';
import { PolicySwitches, type SwitchStore } from '../../policies/switches';

/** A deployed policy node: the engine emits a decision through the node that holds the card. */
export interface PolicyOwner {
  nodeId: string;
  emit(decision: Decision, event: unknown): void;
  enabledChanged(enabled: boolean): void;
}

/**
 * Engines by the id of their policy-engine node, and the policy nodes that own the cards. Policy nodes
 * may be constructed before their engine node, so both sides meet here instead of looking each other up.
 * The switches themselves are policies/ state; this only tells the owning node when its switch moved.
 */
export class PolicyDirectory {
  private readonly engines = new Map<string, PolicyEngine>();
  private readonly owners = new Map<string, PolicyOwner>();
  private readonly switches = new PolicySwitches((policyId, enabled) =>
    this.owners.get(policyId)?.enabledChanged(enabled),
  );

  engine(engineId: string): PolicyEngine {
    let engine = this.engines.get(engineId);
    if (!engine) {
      engine = new PolicyEngine();
      this.engines.set(engineId, engine);
    }
    return engine;
  }

  attach(engineId: string, policy: CompiledPolicy, owner: PolicyOwner, enabledByDefault: boolean): void {
    this.engine(engineId).register(policy, owner.nodeId);
    this.owners.set(policy.id, owner);
    void this.switches.declare(policy.id, enabledByDefault);
  }

  detach(engineId: string, policyId: string, nodeId: string): void {
    if (this.owners.get(policyId)?.nodeId !== nodeId) return;
    this.owners.delete(policyId);
    this.engine(engineId).unregister(policyId);
  }

  /** Evaluates with the current switches and emits each decision from the node that owns its card. */
  evaluate(
    engineId: string,
    event: InteractionEvent,
    customer: Record<string, unknown> | undefined,
    source: unknown,
  ): Evaluation {
    const result = this.engine(engineId).evaluate(event, {
      customer,
      isEnabled: (policyId) => this.switches.isEnabled(policyId),
      // The policy-engine node's output documents an explanation for every card of the event's type,
      // also the ones the index ruled out ("not matched: via call-center"), so not 'candidates'.
      explain: 'all',
    });
    for (const decision of result.decisions) this.owners.get(decision.policyId)?.emit(decision, source);
    return result;
  }

  isEnabled(policyId: string): boolean {
    return this.switches.isEnabled(policyId);
  }

  setEnabled(policyId: string, enabled: boolean): Promise<void> {
    return this.switches.set(policyId, enabled);
  }

  useStore(store: SwitchStore | undefined): void {
    void this.switches.useStore(store);
  }
}
