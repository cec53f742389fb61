import { SESSION_IDLE_MS, SESSION_MAX_AGE_MS, SessionStore } from '../../../../app/console/session-store';

describe('SessionStore', () => {
  it('creates sessions with distinct 256-bit ids and CSRF tokens', () => {
    const store = new SessionStore();
    const a = store.create('anna', 'marketer');
    const b = store.create('anna', 'marketer');
    expect(a.id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(new Set([a.id, b.id, a.csrfToken, b.csrfToken]).size).toBe(4);
    expect(store.get(a.id)).toMatchObject({ user: 'anna', role: 'marketer', csrfToken: a.csrfToken });
  });

  it('forgets a session idle for more than 8 hours, and each use extends it', () => {
    let now = 1_000_000;
    const store = new SessionStore({ clock: () => now });
    const session = store.create('anna', 'marketer');
    now += SESSION_IDLE_MS - 1000;
    expect(store.get(session.id)).toBeDefined();
    now += SESSION_IDLE_MS - 1000;
    expect(store.isLive(session.id)).toBe(true);
    expect(store.get(session.id)).toBeDefined();
    now += SESSION_IDLE_MS + 1;
    expect(store.isLive(session.id)).toBe(false);
    expect(store.get(session.id)).toBeUndefined();
    expect(store.size).toBe(0);
  });

  it('ends a session 24 hours after its log-in however busy it is (absolute timeout)', () => {
    let now = 0;
    const store = new SessionStore({ clock: () => now });
    const session = store.create('anna', 'marketer');
    while (now + 60 * 60 * 1000 <= SESSION_MAX_AGE_MS) {
      now += 60 * 60 * 1000;
      expect(store.get(session.id)).toBeDefined();
    }
    now = SESSION_MAX_AGE_MS + 1;
    expect(store.isLive(session.id)).toBe(false);
    expect(store.get(session.id)).toBeUndefined();
  });

  it('isLive does not count as a use', () => {
    let now = 0;
    const store = new SessionStore({ clock: () => now });
    const session = store.create('anna', 'marketer');
    now = SESSION_IDLE_MS - 1;
    expect(store.isLive(session.id)).toBe(true);
    now = SESSION_IDLE_MS + 1;
    expect(store.isLive(session.id)).toBe(false);
  });

  it('ends a session at log-out and every session of a user on request', () => {
    const store = new SessionStore();
    const a = store.create('anna', 'marketer');
    const b = store.create('anna', 'marketer');
    const c = store.create('ben', 'integrator');
    store.destroy(a.id);
    expect(store.get(a.id)).toBeUndefined();
    store.destroyUser('anna');
    expect(store.get(b.id)).toBeUndefined();
    expect(store.get(c.id)).toBeDefined();
    expect(store.get(undefined)).toBeUndefined();
    expect(store.get('unknown')).toBeUndefined();
  });

  it('keeps at most maxSessions, dropping the least recently used first', () => {
    const store = new SessionStore({ maxSessions: 2 });
    const a = store.create('a', 'marketer');
    const b = store.create('b', 'marketer');
    store.get(a.id); // a is now the most recent
    const c = store.create('c', 'marketer');
    expect(store.size).toBe(2);
    expect(store.get(b.id)).toBeUndefined();
    expect(store.get(a.id)).toBeDefined();
    expect(store.get(c.id)).toBeDefined();
  });

  it('sweeps idle sessions when a new one is created', () => {
    let now = 0;
    const store = new SessionStore({ clock: () => now });
    store.create('a', 'marketer');
    store.create('b', 'marketer');
    now = SESSION_IDLE_MS + 10;
    store.create('c', 'marketer');
    expect(store.size).toBe(1);
  });
});
