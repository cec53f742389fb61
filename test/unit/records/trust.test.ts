import {
  DEFAULT_TRUST,
  parseSystemTrust,
  TrustConfigError,
  TrustRegistry,
  trustAttributeNames,
} from '../../../records/trust';

describe('a legacy-system node’s trust as the editor saves it', () => {
  it('reads a default and overrides by group, path and singular word, case aside', () => {
    expect(parseSystemTrust('70', 'address: 90, Email: 40\nperson.familyName=85; tier: 100')).toEqual({
      default: 70,
      attributes: { addresses: 90, emails: 40, 'person.familyName': 85, tier: 100 },
    });
    expect(parseSystemTrust(60, '')).toEqual({ default: 60 });
    expect(parseSystemTrust(undefined, undefined)).toEqual({});
  });

  it.each([
    ['101', '', /default trust must be a number from 0 to 100/],
    ['-1', '', /from 0 to 100/],
    ['fifty', '', /from 0 to 100/],
    [50, 'adress: 90', /"adress" is not an attribute; known: classification, name/],
    [50, 'address 90', /not of the form <attribute>: <trust>/],
    [50, 'address: 900', /trust of addresses must be a number from 0 to 100, got "900"/],
    [50, 'address: 90, addresses: 80', /"addresses" is given twice/],
  ])('refuses default %p with overrides %p, naming the wrong part', (value, overrides, message) => {
    const run = () => parseSystemTrust(value, overrides);
    expect(run).toThrow(TrustConfigError);
    expect(run).toThrow(message);
  });

  it('lists every name it accepts, and accepts every name it lists', () => {
    const names = trustAttributeNames();
    expect(names).toEqual(expect.arrayContaining(['addresses', 'address', 'person.familyName', 'contacts']));
    for (const name of names) expect(() => parseSystemTrust(50, `${name}: 1`)).not.toThrow();
  });
});

describe('the trust registry of the deployed systems', () => {
  it('answers with what is registered when asked, through the same lookup function', () => {
    const registry = new TrustRegistry();
    const lookup = registry.lookup;
    expect(lookup('sap', 'addresses')).toBe(DEFAULT_TRUST);
    registry.set('node-1', 'sap', { default: 20, attributes: { addresses: 90 } });
    expect(lookup('sap', 'addresses')).toBe(90);
    expect(lookup('sap', 'emails')).toBe(20);
    expect(lookup('crm', 'emails')).toBe(DEFAULT_TRUST);
    registry.remove('node-1');
    expect(lookup('sap', 'addresses')).toBe(DEFAULT_TRUST);
    expect(registry.lookup).toBe(lookup);
  });

  it('uses the last of two nodes stating one system’s trust and names the other', () => {
    const registry = new TrustRegistry();
    expect(registry.set('a', 'sap', { default: 10 })).toEqual([]);
    expect(registry.set('b', 'sap', { default: 80 })).toEqual(['a']);
    expect(registry.lookup('sap', 'tier')).toBe(80);
    // a redeploy of node a states its trust again: it is now the last one
    expect(registry.set('a', 'sap', { default: 10 })).toEqual(['b']);
    expect(registry.lookup('sap', 'tier')).toBe(10);
    registry.remove('a');
    expect(registry.lookup('sap', 'tier')).toBe(80);
  });

  it('refuses an attribute survivorship does not know before it is in force', () => {
    const registry = new TrustRegistry();
    expect(() => registry.set('a', 'sap', { attributes: { adresses: 9 } as never })).toThrow(
      /unknown attribute "adresses"/,
    );
    expect(registry.config()).toEqual({ default: DEFAULT_TRUST, systems: {} });
  });
});
