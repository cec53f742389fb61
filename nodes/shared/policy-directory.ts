import { PolicyEngine } from '../../policies/engine';
import type { CompiledPolicy } from '../../policies/card';
import type { Decision } from '../../policies/engine';
import type { HubStore } from '../../records/store';

/** A deployed policy node: the engine emits a decision through the node that holds the card. */
export interface PolicyOwner {
  nodeId: string;
  emit(decision: Decision, event: unknown): void;
  enabledChanged(enabled: boolean): void;
}

/**
 * Engines by the id of their policy-engine node, and the on/off switches of every policy. Policy nodes
 * may be constructed before their engine node, so both sides meet here instead of looking each other up.
 */
export class PolicyDirectory {
  private readonly engines = new Map<string, PolicyEngine>();
  private readonly owners = new Map<string, PolicyOwner>();
  private readonly enabled = new Map<string, boolean>();
  private store: HubStore | undefined;

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
    if (!this.enabled.has(policy.id)) this.enabled.set(policy.id, enabledByDefault);
    void this.loadSwitch(policy.id);
  }

  detach(engineId: string, policyId: string, nodeId: string): void {
    if (this.owners.get(policyId)?.nodeId !== nodeId) return;
    this.owners.delete(policyId);
    this.engine(engineId).unregister(policyId);
  }

  owner(policyId: string): PolicyOwner | undefined {
    return this.owners.get(policyId);
  }

  isEnabled(policyId: string): boolean {
    return this.enabled.get(policyId) ?? false;
  }

  /** Switching takes effect at once, without a redeploy, and is kept in the store when there is one. */
  async setEnabled(policyId: string, enabled: boolean): Promise<void> {
    this.enabled.set(policyId, enabled);
    this.owners.get(policyId)?.enabledChanged(enabled);
    await this.store?.setPolicyEnabled(policyId, enabled);
  }

  useStore(store: HubStore | undefined): void {
    this.store = store;
    for (const policyId of this.owners.keys()) void this.loadSwitch(policyId);
  }

  private async loadSwitch(policyId: string): Promise<void> {
    const stored = await this.store?.getPolicyEnabled(policyId).catch(() => undefined);
    if (stored !== undefined && stored !== this.enabled.get(policyId)) {
      this.enabled.set(policyId, stored);
      this.owners.get(policyId)?.enabledChanged(stored);
    }
  }
}
