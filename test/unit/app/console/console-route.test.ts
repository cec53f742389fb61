import { href, parseHash } from '../../../../console/src/route';

describe("the console's route, read from the address's hash", () => {
  it('reads the view and its argument, decoded', () => {
    expect(parseHash('#/customer/crm%3AA%2FB%20C%231')).toEqual({ name: 'customer', arg: 'crm:A/B C#1' });
    expect(parseHash('#/explain/crm:A/B')).toEqual({ name: 'explain', arg: 'crm:A/B' });
    expect(parseHash('#/audit')).toEqual({ name: 'audit', arg: '' });
    expect(parseHash('')).toEqual({ name: '', arg: '' });
  });

  it('keeps a % that starts no escape as typed instead of throwing "URI malformed" (a blank page)', () => {
    expect(parseHash('#/customer/crm:100%')).toEqual({ name: 'customer', arg: 'crm:100%' });
    expect(parseHash('#/customer/%E0%A4%A')).toEqual({ name: 'customer', arg: '%E0%A4%A' });
    expect(parseHash('#/customer/crm:%zz')).toEqual({ name: 'customer', arg: 'crm:%zz' });
    // what does decode still does, beside what does not
    expect(parseHash('#/customer/crm%3A50%25%20off%')).toEqual({ name: 'customer', arg: 'crm:50% off%' });
    expect(parseHash('#/customer/crm%3A%C3%BC%FF')).toEqual({ name: 'customer', arg: 'crm:ü%FF' });
  });

  it("reads back every argument the console's own links write", () => {
    for (const arg of ['crm:100%', 'crm:A/B C#1', 'crm:Müller & Söhne', '%E0%A4%A', 'platinum']) {
      expect(parseHash(href('customer', arg)).arg).toBe(arg);
    }
  });
});
