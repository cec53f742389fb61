import {
  checkPath,
  fillPath,
  joinUrl,
  mergeHeaders,
  parseHeaderLines,
  parseRetryAfter,
  statusError,
  transportError,
} from '../../../../connectors/http';

describe('request building', () => {
  it('fills {name} placeholders URL-encoded, so a value never adds a segment or a query', () => {
    expect(fillPath('/sms/{to}/status/{id}', { to: '+49 170/1', id: 7 })).toBe(
      '/sms/%2B49%20170%2F1/status/7',
    );
    expect(() => fillPath('/sms/{to}', { to: { nested: 1 } })).toThrow('{to} is missing');
    expect(() => fillPath('/sms/{to}', undefined)).toThrow('{to} is missing');
  });

  it('refuses a path with its own host or a broken placeholder', () => {
    expect(() => checkPath('https://evil.example/x')).toThrow('relative to the base URL');
    expect(() => checkPath('//evil.example/x')).toThrow('relative to the base URL');
    expect(() => checkPath('/sms/{to')).toThrow('placeholder');
    expect(() => checkPath('/sms/{to}?q=1')).not.toThrow();
  });

  it('joins base and path with one slash', () => {
    expect(joinUrl('https://g.example/api/', '/sms')).toBe('https://g.example/api/sms');
    expect(joinUrl('https://g.example/api', 'sms')).toBe('https://g.example/api/sms');
    expect(joinUrl('https://g.example/api', '')).toBe('https://g.example/api');
  });

  it('merges headers case-insensitively, later layers winning, and drops transport headers from a message', () => {
    expect(
      mergeHeaders(
        { headers: { Accept: 'a', 'X-A': '1' } },
        { headers: { accept: 'b', Host: 'h', 'content-length': '9', 'X-N': null }, fromMessage: true },
      ),
    ).toEqual({ Accept: 'b', 'X-A': '1' });
    expect(() => mergeHeaders({ headers: { 'X-A': 'a\r\nInjected: 1' } })).toThrow('line break');
    expect(() => mergeHeaders({ headers: { 'Bad Name': 'x' } })).toThrow('not a valid header name');
  });

  it('reads default headers as Name: value lines', () => {
    expect(parseHeaderLines('Accept: application/json\n\n# comment\nX-Tenant:  bank-1 ')).toEqual({
      Accept: 'application/json',
      'X-Tenant': 'bank-1',
    });
    expect(() => parseHeaderLines('no colon here')).toThrow('line 1');
  });
});

describe('classification', () => {
  const base = { headers: {}, body: null, method: 'POST', url: 'http://g/sms', retryAfterMaxMs: 10000 };

  it('retries 429, 502, 503 and 504 only', () => {
    const transient = [400, 401, 403, 404, 408, 409, 422, 429, 500, 501, 502, 503, 504].filter(
      (statusCode) => statusError({ ...base, statusCode }).transient,
    );
    expect(transient).toEqual([429, 502, 503, 504]);
  });

  it('counts 5xx and 429 as the endpoint failing, not other 4xx', () => {
    expect(statusError({ ...base, statusCode: 500 }).endpointFailed).toBe(true);
    expect(statusError({ ...base, statusCode: 429 }).endpointFailed).toBe(true);
    expect(statusError({ ...base, statusCode: 404 }).endpointFailed).toBe(false);
  });

  it('reads Retry-After seconds and dates', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(
      statusError({ ...base, statusCode: 503, headers: { 'retry-after': '3' } }).details.retryAfterMs,
    ).toBe(3000);
  });

  it('tells timeouts, TLS refusals and network errors apart', () => {
    expect(transportError({ code: 'ETIMEDOUT', message: 'timeout of 5ms exceeded' }, 'x', 5)).toMatchObject({
      kind: 'timeout',
      transient: true,
    });
    expect(
      transportError({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT', message: 'self-signed' }, 'x', 5),
    ).toMatchObject({ kind: 'tls', transient: false });
    expect(transportError({ code: 'ECONNREFUSED', message: 'connect' }, 'x', 5)).toMatchObject({
      kind: 'network',
      transient: true,
    });
    expect(transportError({ code: 'ERR_INVALID_URL', message: 'bad' }, 'x', 5)).toMatchObject({
      kind: 'request',
      transient: false,
    });
  });
});
