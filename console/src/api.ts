import type { Session } from './types';

export const API = '/console/api';

/** Where the hub found the mistake: the request field and, for a card in YAML, its line. */
export interface FailureAt {
  field?: string;
  line?: number;
}

/**
 * An answer other than 2xx, with the hub's `{error, message, field?, line?}` and, for 429, when to try
 * again.
 */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly at: FailureAt = {},
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'ApiFailure';
  }
}

let csrfToken = '';
let onUnauthenticated: () => void = () => undefined;

/** The session's token, sent as X-CSRF-Token with every write. */
export function setCsrfToken(token: string): void {
  csrfToken = token;
}

/** Called when a request finds the session gone (expired, logged out elsewhere): show the log-in. */
export function whenUnauthenticated(handler: () => void): void {
  onUnauthenticated = handler;
}

/**
 * Says the session is gone where no request's 401 said so: the live stream's EventSource gives up on a
 * 401 without telling its status (live.ts asks /session then).
 */
export function sessionEnded(): void {
  onUnauthenticated();
}

export async function request<T>(
  path: string,
  options: { method?: string; body?: unknown } = {},
): Promise<T> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(API + path, {
      method,
      headers,
      credentials: 'same-origin',
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
  } catch (err) {
    throw new ApiFailure(0, 'network', err instanceof Error ? err.message : String(err));
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    const failure = (body ?? {}) as {
      error?: string;
      message?: string;
      field?: unknown;
      line?: unknown;
      retryAfterSeconds?: number;
    };
    const retry = failure.retryAfterSeconds ?? (Number(res.headers.get('retry-after')) || undefined);
    const error = new ApiFailure(
      res.status,
      failure.error ?? `http-${res.status}`,
      failure.message ?? (text.slice(0, 200) || res.statusText),
      {
        ...(typeof failure.field === 'string' && failure.field ? { field: failure.field } : {}),
        ...(typeof failure.line === 'number' ? { line: failure.line } : {}),
      },
      retry,
    );
    if (res.status === 401 && path !== '/login' && path !== '/session') onUnauthenticated();
    throw error;
  }
  return body as T;
}

export async function fetchSession(): Promise<Session | undefined> {
  try {
    const session = await request<Session>('/session');
    setCsrfToken(session.csrfToken);
    return session;
  } catch (err) {
    if (err instanceof ApiFailure && err.status === 401) return undefined;
    throw err;
  }
}

export async function logIn(username: string, password: string): Promise<Session> {
  const answer = await request<Omit<Session, 'authRequired'>>('/login', {
    method: 'POST',
    body: { username, password },
  });
  setCsrfToken(answer.csrfToken);
  return { authRequired: true, ...answer };
}

export async function logOut(): Promise<void> {
  await request<void>('/logout', { method: 'POST' });
  setCsrfToken('');
}
