import { passwordDigest as soapPasswordDigest } from 'soap/lib/utils';
import {
  BASE64_BINARY,
  constantTimeEqual,
  NonceCache,
  parseWsuDateTime,
  passwordDigest,
  PASSWORD_DIGEST,
  singleUserSecurity,
  usernameTokenHeader,
  UsernameTokenVerifier,
  WSSE_NS,
  WSU_NS,
  WsSecurityError,
  type UsernameTokenInput,
  type WsSecurityOptions,
} from '../../../../connectors/soap/ws-security';
import { parseXmlTree, type XmlElement } from '../../../../formats/xml/xml-tree';

const NOW = Date.parse('2030-05-01T12:00:00Z');
const users: Record<string, string> = { crm: 's3cret', erp: 'other' };

function header(inner: string): XmlElement {
  return parseXmlTree(`<h:Header xmlns:h="http://schemas.xmlsoap.org/soap/envelope/">${inner}</h:Header>`);
}

function verifier(options: Partial<WsSecurityOptions> = {}): UsernameTokenVerifier {
  return new UsernameTokenVerifier({
    users: (u) => users[u],
    allowPasswordText: false,
    now: () => NOW,
    ...options,
  });
}

function token(input: Partial<UsernameTokenInput> = {}): XmlElement {
  return header(
    usernameTokenHeader({
      username: 'crm',
      password: 's3cret',
      type: 'PasswordDigest',
      created: new Date(NOW - 1000),
      ...input,
    }),
  );
}

function failure(fn: () => unknown): WsSecurityError {
  try {
    fn();
  } catch (err) {
    if (err instanceof WsSecurityError) return err;
    throw err;
  }
  throw new Error('expected a WsSecurityError');
}

describe('passwordDigest', () => {
  it('is Base64(SHA-1(nonce + created + password)) as node-soap computes it', () => {
    const nonce = Buffer.from('0123456789abcdef').toString('base64');
    const created = '2030-05-01T12:00:00Z';
    expect(passwordDigest(nonce, created, 'pässword')).toBe(soapPasswordDigest(nonce, created, 'pässword'));
    expect(passwordDigest(nonce, created, 'a')).not.toBe(passwordDigest(nonce, created, 'b'));
  });

  it('compares in constant time through hashes, also for different lengths', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
  });

  it('reads wsu dates with and without zone and with seven fraction digits', () => {
    expect(parseWsuDateTime('2030-05-01T12:00:00Z')).toBe(NOW);
    expect(parseWsuDateTime('2030-05-01T12:00:00.1234567Z')).toBe(NOW + 123);
    expect(parseWsuDateTime('2030-05-01T14:00:00+02:00')).toBe(NOW);
    expect(parseWsuDateTime('2030-05-01T12:00:00')).toBe(NOW);
    expect(parseWsuDateTime('yesterday')).toBeUndefined();
  });
});

describe('UsernameTokenVerifier', () => {
  it('accepts a valid PasswordDigest and names the user', () => {
    expect(verifier().verify(token())).toEqual({ username: 'crm', passwordType: 'PasswordDigest' });
  });

  it('accepts PasswordText only when allowed', () => {
    const text = (): XmlElement => token({ type: 'PasswordText' });
    expect(verifier({ allowPasswordText: true }).verify(text()).passwordType).toBe('PasswordText');
    const err = failure(() => verifier().verify(text()));
    expect(err.code).toBe('UnsupportedSecurityToken');
    expect(err.message).toBe('PasswordText is not accepted by this service: send a PasswordDigest');
  });

  it('gives a wrong password and an unknown user the same answer', () => {
    const wrong = failure(() => verifier().verify(token({ password: 'guess' })));
    const unknown = failure(() => verifier().verify(token({ username: 'nobody' })));
    expect(wrong.code).toBe('FailedAuthentication');
    expect(unknown.message).toBe(wrong.message);
    expect(wrong.message).toBe('authentication failed: unknown username or wrong password');
  });

  it('refuses a replayed nonce, also within the window', () => {
    const v = verifier();
    const nonce = Buffer.from('replay-me-please');
    v.verify(token({ nonce }));
    const err = failure(() => v.verify(token({ nonce })));
    expect(err.message).toMatch(/^replayed nonce/);
    // another user's token with the same nonce is not a replay of the first
    expect(v.verify(token({ nonce, username: 'erp', password: 'other' })).username).toBe('erp');
  });

  it('does not record the nonce of a failed authentication', () => {
    const v = verifier();
    const nonce = Buffer.from('first-try-wrong!');
    failure(() => v.verify(token({ nonce, password: 'guess' })));
    expect(v.verify(token({ nonce })).username).toBe('crm');
  });

  it('refuses an expired and a future Created, and a passed Timestamp Expires', () => {
    const old = failure(() => verifier().verify(token({ created: new Date(NOW - 10 * 60_000) })));
    expect(old.code).toBe('MessageExpired');
    expect(old.message).toMatch(/^expired timestamp: wsse:UsernameToken\/wsu:Created is older than .*300 s/);
    const future = failure(() => verifier().verify(token({ created: new Date(NOW + 5 * 60_000) })));
    expect(future.message).toMatch(/^created in the future/);
    const ts = usernameTokenHeader({
      username: 'crm',
      password: 's3cret',
      type: 'PasswordDigest',
      created: new Date(NOW - 1000),
    }).replace(
      '<wsse:UsernameToken>',
      `<wsu:Timestamp><wsu:Created>2030-05-01T11:59:00Z</wsu:Created><wsu:Expires>2030-05-01T11:59:30Z</wsu:Expires></wsu:Timestamp><wsse:UsernameToken>`,
    );
    const expired = failure(() => verifier({ skewSeconds: 10 }).verify(header(ts)));
    expect(expired.message).toBe('expired timestamp: wsu:Timestamp/wsu:Expires has passed');
    expect(verifier().verify(token({ timestampSeconds: 300 })).username).toBe('crm');
  });

  it('uses the configured window', () => {
    const created = new Date(NOW - 90_000);
    expect(verifier({ windowSeconds: 120 }).verify(token({ created })).username).toBe('crm');
    expect(failure(() => verifier({ windowSeconds: 60 }).verify(token({ created }))).code).toBe(
      'MessageExpired',
    );
  });

  it('says what is missing or malformed', () => {
    const v = verifier();
    expect(failure(() => v.verify(undefined)).message).toMatch(/^WS-Security required/);
    expect(failure(() => v.verify(header('<x:Other xmlns:x="urn:x"/>'))).code).toBe('InvalidSecurity');
    expect(failure(() => v.verify(header('<s:Security xmlns:s="urn:old-draft"/>'))).message).toMatch(
      /unsupported namespace 'urn:old-draft'/,
    );
    expect(failure(() => v.verify(header(`<s:Security xmlns:s="${WSSE_NS}"/>`))).message).toBe(
      'wsse:Security header has no wsse:UsernameToken',
    );
    const noNonce =
      `<s:Security xmlns:s="${WSSE_NS}" xmlns:u="${WSU_NS}"><s:UsernameToken><s:Username>crm</s:Username>` +
      `<s:Password Type="${PASSWORD_DIGEST}">x</s:Password><u:Created>2030-05-01T12:00:00Z</u:Created></s:UsernameToken></s:Security>`;
    expect(failure(() => v.verify(header(noNonce))).message).toBe(
      'PasswordDigest requires wsse:Nonce and wsu:Created',
    );
    const hexNonce = usernameTokenHeader({
      username: 'crm',
      password: 's3cret',
      type: 'PasswordDigest',
      created: new Date(NOW),
    }).replace(BASE64_BINARY, 'urn:hex');
    expect(failure(() => v.verify(header(hexNonce))).message).toMatch(
      /EncodingType 'urn:hex' is not supported/,
    );
    const weird = usernameTokenHeader({
      username: 'crm',
      password: 's3cret',
      type: 'PasswordDigest',
    }).replace(PASSWORD_DIGEST, 'urn:plain');
    expect(failure(() => v.verify(header(weird))).message).toMatch(
      /unsupported wsse:Password Type 'urn:plain'/,
    );
    const twice = usernameTokenHeader({ username: 'crm', password: 's3cret', type: 'PasswordDigest' });
    expect(failure(() => v.verify(header(twice + twice))).message).toBe('more than one wsse:Security header');
  });
});

describe('NonceCache', () => {
  it('forgets nonces after their time to live', () => {
    const cache = new NonceCache(10, 1000);
    expect(cache.check('a', 0, 0)).toBe('fresh');
    expect(cache.check('a', 0, 999)).toBe('replayed');
    expect(cache.check('b', 1500, 1500)).toBe('fresh');
    expect(cache.size).toBe(1);
  });

  it('stays bounded and refuses what it can no longer prove fresh', () => {
    const cache = new NonceCache(2, 60_000);
    expect(cache.check('a', 100, 1000)).toBe('fresh');
    expect(cache.check('b', 200, 1000)).toBe('fresh');
    expect(cache.check('c', 300, 1000)).toBe('fresh');
    expect(cache.size).toBe(2);
    // 'a' was evicted; a replay of it (created 100) must still fail
    expect(cache.check('a', 100, 1000)).toBe('unprovable');
    expect(cache.check('d', 400, 1000)).toBe('fresh');
  });
});

describe('singleUserSecurity', () => {
  it('requires a digest when credentials are set and no mode is chosen', () => {
    const options = singleUserSecurity(undefined, 'crm', 'pw', 120);
    expect(options?.allowPasswordText).toBe(false);
    expect(options?.windowSeconds).toBe(120);
    expect(options?.users('crm')).toBe('pw');
    expect(options?.users('other')).toBeUndefined();
    expect(singleUserSecurity(undefined, undefined, undefined)).toBeUndefined();
    expect(singleUserSecurity('none', 'crm', 'pw')).toBeUndefined();
    expect(singleUserSecurity('text-or-digest', 'crm', 'pw')?.allowPasswordText).toBe(true);
  });

  it('fails closed when a token is required but no account is configured', () => {
    expect(singleUserSecurity('digest', '', undefined)?.users('')).toBeUndefined();
    expect(() => singleUserSecurity('sometimes', 'crm', 'pw')).toThrow(
      "unknown WS-Security mode 'sometimes'",
    );
  });
});
