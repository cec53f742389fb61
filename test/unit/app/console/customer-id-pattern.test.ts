import { ApiError } from '../../../../app/api/api-error';
import { customerIdParam } from '../../../../app/api/golden-customer';
import { CUSTOMER_ID_PATTERN } from '../../../../console/src/customer-id';

/** as a browser compiles an input's pattern attribute (HTML: "the v flag") */
const field = new RegExp(`^(?:${CUSTOMER_ID_PATTERN})$`, 'v');
const GOLDEN = 'g-2c5bvydw7xvwwamx84xqgq1jsx';

function apiTakes(id: string): boolean {
  try {
    customerIdParam(id);
    return true;
  } catch (err) {
    if (err instanceof ApiError) return false;
    throw err;
  }
}

describe("the console's customer field pattern", () => {
  it('compiles with the v flag, as Chromium compiles it (the old one did not)', () => {
    expect(() => new RegExp(`^(?:${CUSTOMER_ID_PATTERN})$`, 'v')).not.toThrow();
    const before = '[a-z0-9\\-]+:[^\\s/]{1,64}|g-.+';
    expect(() => new RegExp(`^(?:${before})$`, 'v')).toThrow(SyntaxError);
  });

  it('takes every id the REST API takes: refs with slashes, blanks and #, up to 200 characters, and golden ids', () => {
    const ids = [
      'crm:4711',
      'crm:A/B C#1',
      'sap:0000100001',
      'web-shop:u-1',
      'crm:Müller & Söhne',
      `crm:${'x'.repeat(196)}`,
      GOLDEN,
      GOLDEN.toUpperCase(),
      `hub:${GOLDEN}`,
      `HUB:${GOLDEN.toUpperCase()}`,
    ];
    expect(ids.map((id) => [id, field.test(id), apiTakes(id)])).toEqual(ids.map((id) => [id, true, true]));
  });

  it('refuses what the REST API refuses', () => {
    const ids = [
      '4711',
      'crm:',
      ':4711',
      'CRM:4711',
      'crm:a\tb',
      'crm:a\u0000b',
      `crm:${'x'.repeat(197)}`,
      'hub:crm:4711',
      'g-',
      'g-abc',
      // u is no Crockford base-32 digit
      'g-2c5bvydw7xvwwamx84xqgq1jsu',
      `${GOLDEN}x`,
    ];
    expect(ids.map((id) => [id, field.test(id), apiTakes(id)])).toEqual(ids.map((id) => [id, false, false]));
  });
});
