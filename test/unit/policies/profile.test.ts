import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { customerProfile } from '../../../policies/profile';
import { EmbeddedStore } from '../../../records/embedded-store';

let directory = '';
let store: EmbeddedStore;

beforeEach(async () => {
  directory = mkdtempSync(join(tmpdir(), 'crm-hub-profile-'));
  store = new EmbeddedStore({ directory });
  await store.open();
  await store.putCustomer({
    customerRef: 'crm:4711',
    document: { customerRef: 'crm:4711', kind: 'person', tier: 'platinum' },
    updatedAt: '2026-11-22T10:00:00Z',
    sourceSystem: 'crm',
  });
});

afterEach(async () => {
  await store.close();
  rmSync(directory, { recursive: true, force: true });
});

const event = (ref: string) => ({ customer: { ref, identifiers: [] } });

describe('customerProfile', () => {
  it("reads the event's customer from the store when the message carries none", async () => {
    expect(await customerProfile(event('crm:4711'), undefined, async () => store)).toMatchObject({
      tier: 'platinum',
    });
    expect(await customerProfile(event('crm:999'), undefined, async () => store)).toBeUndefined();
  });

  it('prefers the customer the message carries and does not wait for the store then', async () => {
    let asked = 0;
    const carried = { tier: 'gold' };
    const profile = await customerProfile(event('crm:4711'), carried, async () => {
      asked += 1;
      return store;
    });
    expect(profile).toBe(carried);
    expect(asked).toBe(0);
  });

  it('sees no customer without a store or without a customer reference', async () => {
    expect(await customerProfile(event('crm:4711'), undefined)).toBeUndefined();
    expect(await customerProfile(event(''), undefined, async () => store)).toBeUndefined();
  });
});
