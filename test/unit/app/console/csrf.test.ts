import { csrfTokenMatches, needsCsrfCheck } from '../../../../app/console/csrf';

describe('CSRF check', () => {
  it('needs the token on every method but GET, HEAD and OPTIONS', () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'post'])
      expect(needsCsrfCheck(method)).toBe(true);
    for (const method of ['GET', 'HEAD', 'OPTIONS', 'get']) expect(needsCsrfCheck(method)).toBe(false);
  });

  it('matches only the exact token', () => {
    const token = 'Ab3_-xYz0123456789012345678901234567890123';
    expect(csrfTokenMatches(token, token)).toBe(true);
    expect(csrfTokenMatches(token, token.slice(1))).toBe(false);
    expect(csrfTokenMatches(token, `${token}x`)).toBe(false);
    expect(csrfTokenMatches(token, token.toLowerCase())).toBe(false);
    expect(csrfTokenMatches(token, undefined)).toBe(false);
    expect(csrfTokenMatches(token, '')).toBe(false);
    expect(csrfTokenMatches(token, [token])).toBe(false);
    expect(csrfTokenMatches('', '')).toBe(false);
  });
});
