import type { LegacySystemNode } from '../../nodes/legacy-system/legacy-system';
import { all, helper, loggedErrors, useHelper, load } from './harness';

useHelper();

describe('legacy-system', () => {
  it('compiles a record mapping once and reuses it', async () => {
    await load(all, [{ id: 'sys', type: 'legacy-system', systemId: 'crm', format: 'soap', mapping: '' }], {
      sys: { user: 'hub', password: 'secret' },
    });
    const node = helper.getNode('sys') as unknown as LegacySystemNode;
    expect(node.systemId).toBe('crm');
    expect(node.inbound('ReportAddressChange')).toBe(node.inbound('ReportAddressChange'));
    expect((node as unknown as { credentials: Record<string, string> }).credentials).toEqual({
      user: 'hub',
      password: 'secret',
    });
  });

  it('reports a mapping that is not JSON, naming the system', async () => {
    await load(all, [
      { id: 'x', type: 'legacy-system', systemId: 'shop', format: 'json', mapping: '{ nope' },
    ]);
    const node = helper.getNode('x') as unknown as LegacySystemNode;
    expect(loggedErrors('x')[0]).toContain("mapping of system 'shop' cannot be loaded");
    expect(() => node.inbound('Order')).toThrow(/system 'shop'/);
  });
});
