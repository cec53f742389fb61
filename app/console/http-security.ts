import type { Request, RequestHandler, Response } from 'express';
import { SESSION_COOKIE } from './session-store';

/**
 * The console's Content-Security-Policy: everything from the hub's own origin, nothing inline, no
 * frames. The bundle needs nothing else (no CDN: the hub runs offline).
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers on every console answer, pages, files and API alike. */
export const securityHeaders: RequestHandler = (_req, res, next) => {
  res.setHeader('Content-Security-Policy', CONSOLE_CSP);
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  next();
};

/** For what must never come from a cache: the page (it names the bundle) and every API answer. */
export const noStore: RequestHandler = (_req, res, next) => {
  res.setHeader('Cache-Control', 'no-store');
  next();
};

/** The session id the request's cookie carries, if any. */
export function sessionIdOf(req: Request): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== SESSION_COOKIE) continue;
    const value = part.slice(eq + 1).trim();
    return /^[A-Za-z0-9_-]{16,128}$/.test(value) ? value : undefined;
  }
  return undefined;
}

/**
 * The cookie's attributes: only the console's path sends it (the editor and the admin API never see
 * it), no script reads it, no other site's page sends it along, and over https it travels only there.
 */
function cookieAttributes(req: Request, res: Response): string {
  const root = typeof res.locals.consoleRoot === 'string' ? res.locals.consoleRoot : '/console';
  return `Path=${root}; HttpOnly; SameSite=Strict${req.secure ? '; Secure' : ''}`;
}

export function setSessionCookie(req: Request, res: Response, sessionId: string): void {
  res.append('Set-Cookie', `${SESSION_COOKIE}=${sessionId}; ${cookieAttributes(req, res)}`);
}

export function clearSessionCookie(req: Request, res: Response): void {
  res.append(
    'Set-Cookie',
    `${SESSION_COOKIE}=; ${cookieAttributes(req, res)}; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT`,
  );
}
