import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PolicySwitches, type SwitchStore } from '../../../policies/switches';
import { EmbeddedStore } from '../../../records/embedded-store';

let directory = '';
let store: EmbeddedStore;

beforeEach(async () => {
  directory = mkdtempSync(join(tmpdir(), 'crm-hub-switches-'));
  store = new EmbeddedStore({ directory });
  await store.open();
});

afterEach(async () => {
  await store.close();
  rmSync(directory, { recursive: true, force: true });
});

/** The real store, with reads held back until release() so a switch can happen while one is in flight. */
function heldReads(inner: SwitchStore): SwitchStore & { release(): void } {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  return {
    getPolicyEnabled: async (policyId) => {
      const value = await inner.getPolicyEnabled(policyId);
      await gate;
      return value;
    },
    setPolicyEnabled: (policyId, enabled) => inner.setPolicyEnabled(policyId, enabled),
    release: () => release(),
  };
}

describe('PolicySwitches', () => {
  it('starts a policy as deployed, and a state kept in the store wins over it', async () => {
    const heard: [string, boolean][] = [];
    const switches = new PolicySwitches((policyId, enabled) => heard.push([policyId, enabled]));
    await switches.declare('fresh', true);
    expect(switches.isEnabled('fresh')).toBe(true);

    await store.setPolicyEnabled('kept-off', false);
    await switches.useStore(store);
    await switches.declare('kept-off', true);
    expect(switches.isEnabled('kept-off')).toBe(false);
    expect(heard).toEqual([['kept-off', false]]);
    expect(switches.isEnabled('never-declared')).toBe(false);
  });

  it('keeps a switch in the store, so another hub on the same store sees it', async () => {
    const one = new PolicySwitches();
    await one.useStore(store);
    await one.declare('mortgage', true);
    await one.set('mortgage', false);
    expect(one.isEnabled('mortgage')).toBe(false);
    expect(await store.getPolicyEnabled('mortgage')).toBe(false);

    const other = new PolicySwitches();
    await other.useStore(store);
    await other.declare('mortgage', true);
    expect(other.isEnabled('mortgage')).toBe(false);
  });

  it('reads the kept states of known policies when a store comes up after they were deployed', async () => {
    const switches = new PolicySwitches();
    await switches.declare('mortgage', true);
    await store.setPolicyEnabled('mortgage', false);
    await switches.useStore(store);
    expect(switches.isEnabled('mortgage')).toBe(false);
  });

  it('does not let a store read that started before a switch undo it', async () => {
    await store.setPolicyEnabled('mortgage', true);
    const held = heldReads(store);
    const switches = new PolicySwitches();
    await switches.useStore(held);
    const reading = switches.declare('mortgage', false);
    await switches.set('mortgage', false);
    held.release();
    await reading;
    expect(switches.isEnabled('mortgage')).toBe(false);
    expect(await store.getPolicyEnabled('mortgage')).toBe(false);
  });

  it('keeps the deployed state when the store cannot be read', async () => {
    const closed = new EmbeddedStore({ directory: join(directory, 'never-opened') });
    await expect(closed.getPolicyEnabled('mortgage')).rejects.toThrow(/not open/);
    const switches = new PolicySwitches();
    await switches.useStore(closed);
    await switches.declare('mortgage', true);
    expect(switches.isEnabled('mortgage')).toBe(true);
  });
});
