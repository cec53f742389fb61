import { EventEmitter } from 'node:events';
import type { Response } from 'express';
import { LiveHub } from '../../../../app/console/live-hub';
import type { AuditEntry } from '../../../../policies/registry';

/** As much of an express Response as the hub uses, keeping what was written. */
function fakeResponse() {
  const res = Object.assign(new EventEmitter(), {
    written: '',
    ended: false,
    destroyed: false,
    headers: {} as Record<string, string>,
    writableLength: 0,
    status: () => res,
    setHeader: (name: string, value: string) => void (res.headers[name.toLowerCase()] = value),
    flushHeaders: () => undefined,
    write: (chunk: string) => {
      res.written += chunk;
      return true;
    },
    end: () => {
      res.ended = true;
      res.emit('close');
    },
    destroy: () => {
      res.destroyed = true;
      res.emit('close');
    },
  });
  return res;
}
const asResponse = (res: ReturnType<typeof fakeResponse>) => res as unknown as Response;

const entry: AuditEntry = {
  auditId: 'a1',
  policyId: 'p1',
  at: '2026-12-04T00:00:00.000Z',
  enabled: false,
  previous: true,
  user: 'mia',
  via: 'console',
};

describe('LiveHub', () => {
  afterEach(() => jest.useRealTimers());

  it('subscribes with the first stream and unsubscribes with the last', () => {
    let subscribed = 0;
    let unsubscribed = 0;
    const hub = new LiveHub({
      subscribe: () => {
        subscribed += 1;
        return () => void (unsubscribed += 1);
      },
    });
    const a = fakeResponse();
    const b = fakeResponse();
    hub.add(asResponse(a), 's1');
    hub.add(asResponse(b), 's2');
    expect([subscribed, unsubscribed]).toEqual([1, 0]);
    a.emit('close');
    expect(unsubscribed).toBe(0);
    b.emit('close');
    expect([subscribed, unsubscribed, hub.size]).toEqual([1, 1, 0]);
  });

  it('writes toggles as server-sent events to every stream', () => {
    const hub = new LiveHub();
    const a = fakeResponse();
    hub.add(asResponse(a), 's1');
    expect(a.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    hub.toggle(entry);
    expect(a.written).toContain(`event: toggle\ndata: ${JSON.stringify(entry)}\n\n`);
  });

  it('pings every 25 s and closes the streams of sessions that ended', () => {
    jest.useFakeTimers();
    const live = new Set(['s1', 's2']);
    const hub = new LiveHub({ stillAllowed: (id) => live.has(id) });
    const a = fakeResponse();
    const b = fakeResponse();
    hub.add(asResponse(a), 's1');
    hub.add(asResponse(b), 's2');
    jest.advanceTimersByTime(25_000);
    expect(a.written).toContain(': ping\n\n');
    live.delete('s2');
    jest.advanceTimersByTime(25_000);
    expect(b.ended).toBe(true);
    expect(a.ended).toBe(false);
    expect(hub.size).toBe(1);
  });

  it('drops a client too slow to read, and refuses streams beyond the limit', () => {
    const hub = new LiveHub({ maxClients: 1, maxBufferedBytes: 10 });
    const slow = fakeResponse();
    hub.add(asResponse(slow), 's1');
    expect(hub.hasRoom()).toBe(false);
    slow.writableLength = 11;
    hub.toggle(entry);
    expect(slow.destroyed).toBe(true);
    expect(hub.hasRoom()).toBe(true);
  });

  it('has room for a few streams per session, so one session cannot take them all', () => {
    const hub = new LiveHub({ maxPerSession: 2 });
    hub.add(asResponse(fakeResponse()), 's1');
    expect(hub.hasRoomFor('s1')).toBe(true);
    const second = fakeResponse();
    hub.add(asResponse(second), 's1');
    expect(hub.hasRoomFor('s1')).toBe(false);
    expect(hub.hasRoomFor('s2')).toBe(true);
    expect(hub.hasRoom()).toBe(true);
    second.emit('close');
    expect(hub.hasRoomFor('s1')).toBe(true);
  });

  it('closes the streams of one session at log-out', () => {
    const hub = new LiveHub();
    const a = fakeResponse();
    const b = fakeResponse();
    hub.add(asResponse(a), 's1');
    hub.add(asResponse(b), 's2');
    hub.close('s1');
    expect([a.ended, b.ended, hub.size]).toEqual([true, false, 1]);
  });
});
