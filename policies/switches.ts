import type { HubStore } from '../records/store';

/** The part of the hub store the switches keep their state in. */
export type SwitchStore = Pick<HubStore, 'getPolicyEnabled' | 'setPolicyEnabled'>;

/**
 * The on/off switch of every policy, shared by the editor button, the console and every hub instance on
 * the same store. A policy starts as its card was deployed; once anyone switched it, the store's state
 * wins, so neither a restart nor a redeploy turns a policy the marketers switched off back on.
 */
export class PolicySwitches {
  private readonly enabled = new Map<string, boolean>();
  /** bumped by every switch, so a store read that started before it cannot undo it */
  private readonly generation = new Map<string, number>();
  private store: SwitchStore | undefined;

  /** onChange hears every change of a known policy's state, whoever made it */
  constructor(private readonly onChange: (policyId: string, enabled: boolean) => void = () => undefined) {}

  /**
   * A deployed policy and the state its card asks for. A state this process already knows (from a switch
   * or an earlier deploy) is kept; the store's is read in the background and applied when it differs.
   */
  declare(policyId: string, enabledByDefault: boolean): Promise<void> {
    if (!this.enabled.has(policyId)) this.enabled.set(policyId, enabledByDefault);
    return this.load(policyId);
  }

  isEnabled(policyId: string): boolean {
    return this.enabled.get(policyId) ?? false;
  }

  /**
   * Takes effect without a redeploy, once the store kept it (if there is one) and `keep` (the audit
   * entry) succeeded: a switch that held only in memory would be undone by the next restart, and the
   * caller told of the failure would retry a switch that had in fact been made. When `keep` fails the
   * store gets the state it had, so a restart does not bring back a switch the trail does not show.
   */
  async set(policyId: string, enabled: boolean, keep?: () => Promise<void>): Promise<void> {
    const store = this.store;
    const before = this.enabled.get(policyId);
    // bumped first: a store read that started before this switch must not undo it
    this.generation.set(policyId, (this.generation.get(policyId) ?? 0) + 1);
    await store?.setPolicyEnabled(policyId, enabled);
    try {
      await keep?.();
    } catch (err) {
      if (store && before !== undefined)
        await store.setPolicyEnabled(policyId, before).catch(() => undefined);
      throw err;
    }
    this.apply(policyId, enabled);
  }

  /** A store came up (or went away): the known policies take the states kept in it. */
  useStore(store: SwitchStore | undefined): Promise<void> {
    this.store = store;
    return Promise.all([...this.enabled.keys()].map((policyId) => this.load(policyId))).then(() => undefined);
  }

  private async load(policyId: string): Promise<void> {
    const store = this.store;
    if (!store) return;
    const before = this.generation.get(policyId) ?? 0;
    // An unreadable switch counts as never set: the deployed state is the better guess than "off".
    const stored = await store.getPolicyEnabled(policyId).catch(() => undefined);
    if (stored === undefined || store !== this.store) return;
    if ((this.generation.get(policyId) ?? 0) !== before) return;
    this.apply(policyId, stored);
  }

  private apply(policyId: string, enabled: boolean): void {
    const changed = this.enabled.get(policyId) !== enabled;
    this.enabled.set(policyId, enabled);
    if (changed) this.onChange(policyId, enabled);
  }
}
