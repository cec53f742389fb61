import { EventEmitter } from 'node:events';
import type { Bus } from '../../../connectors/amqp/bus';
import type { GoldenEvent, GoldenOutboxEntry, GoldenStore } from '../../../records/golden-store';
import { GoldenPublisher } from '../../../nodes/golden-record/golden-publisher';

/** An outbox in memory, with a hook that runs when a listing has been handed to the publisher. */
class MemoryOutbox {
  entries: GoldenOutboxEntry[] = [];
  /** how many listings handed out each seq */
  readonly listedTimes = new Map<number, number>();
  private seq = 0;
  afterList: ((listed: GoldenOutboxEntry[], settled: Promise<GoldenOutboxEntry[]>) => void) | undefined;

  add(goldenId: string, cause?: GoldenOutboxEntry['cause']): void {
    this.seq += 1;
    const event = { type: 'golden.changed', eventId: `ev-${this.seq}`, goldenId } as unknown as GoldenEvent;
    this.entries.push({ seq: this.seq, goldenId, event, ...(cause ? { cause } : {}) });
  }

  store(): GoldenStore {
    return {
      listGoldenOutbox: (limit = 100, except: readonly number[] = []) => {
        const listed = this.entries.filter((e) => !except.includes(e.seq)).slice(0, limit);
        for (const { seq } of listed) this.listedTimes.set(seq, (this.listedTimes.get(seq) ?? 0) + 1);
        const settled = Promise.resolve(listed);
        const hook = this.afterList;
        this.afterList = undefined;
        hook?.(listed, settled);
        return settled;
      },
      markGoldenPublished: (seqs: readonly number[]) => {
        const before = this.entries.length;
        this.entries = this.entries.filter((e) => !seqs.includes(e.seq));
        return Promise.resolve(before - this.entries.length);
      },
    } as unknown as GoldenStore;
  }
}

function recordingBus(): { bus: Bus; published: string[] } {
  const published: string[] = [];
  const bus = Object.assign(new EventEmitter(), {
    publish: (_exchange: string, _key: string, _body: Buffer, options?: { messageId?: string }) => {
      published.push(options?.messageId ?? '?');
      return Promise.resolve();
    },
  }) as unknown as Bus;
  return { bus, published };
}

/** Lets every queued promise reaction (and the ones they queue) run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('GoldenPublisher', () => {
  it('publishes the outbox in order and empties it', async () => {
    const outbox = new MemoryOutbox();
    for (let i = 0; i < 250; i++) outbox.add(`g${i % 7}`);
    const { bus, published } = recordingBus();
    const count = await new GoldenPublisher(outbox.store(), bus).drain();
    expect(count).toBe(250);
    expect(published).toEqual(Array.from({ length: 250 }, (_, i) => `ev-${i + 1}`));
    expect(outbox.entries).toEqual([]);
  });

  it('does not miss a change that asks for a drain just as the running drain finds the outbox empty', async () => {
    // The window: the loop has seen an empty outbox and returned, but its promise has not settled
    // yet. A change committed then used to join the finished loop and wait in the outbox until the
    // next change came along, which after the last record of a burst is never.
    const outbox = new MemoryOutbox();
    const { bus, published } = recordingBus();
    const publisher = new GoldenPublisher(outbox.store(), bus);
    let late: Promise<number> | undefined;
    outbox.afterList = (_listed, settled) => {
      // queued behind the loop's own continuation, so it runs right after the loop decided to stop
      void settled.then(() =>
        queueMicrotask(() => {
          outbox.add('late');
          late = publisher.drain();
        }),
      );
    };
    await publisher.drain();
    await settle();
    expect(late).toBeDefined();
    await late;
    await settle();
    expect(published).toEqual(['ev-1']);
    expect(outbox.entries).toEqual([]);
  });

  it('keeps what the broker did not confirm for the next drain, in order', async () => {
    const outbox = new MemoryOutbox();
    for (let i = 0; i < 5; i++) outbox.add('g');
    const published: string[] = [];
    let failAt: string | undefined = 'ev-3';
    const bus = Object.assign(new EventEmitter(), {
      publish: (_e: string, _k: string, _b: Buffer, options?: { messageId?: string }) => {
        const id = options?.messageId ?? '?';
        if (id === failAt) return Promise.reject(new Error('channel closed'));
        published.push(id);
        return Promise.resolve();
      },
    }) as unknown as Bus;
    const publisher = new GoldenPublisher(outbox.store(), bus);
    await expect(publisher.drain()).rejects.toThrow('channel closed');
    expect(outbox.entries.map((e) => e.event.eventId)).toEqual(['ev-3', 'ev-4', 'ev-5']);
    failAt = undefined;
    await expect(publisher.drain()).resolves.toBe(3);
    expect(outbox.entries).toEqual([]);
  });

  it("carries each entry's own cause, with nothing registered beforehand; an entry without one gets its own id", async () => {
    // the cause is written with the entry, so a drain that lists it before anyone tells the
    // publisher about the message still publishes it on the message's trace
    const outbox = new MemoryOutbox();
    const headers = new Map<string, Record<string, unknown>>();
    const bodies = new Map<string, string>();
    const bus = Object.assign(new EventEmitter(), {
      publish: (
        _e: string,
        _k: string,
        body: Buffer,
        options?: { messageId?: string; headers?: Record<string, unknown> },
      ) => {
        headers.set(options?.messageId ?? '?', options?.headers ?? {});
        bodies.set(options?.messageId ?? '?', body.toString());
        return Promise.resolve();
      },
    }) as unknown as Bus;
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    outbox.add('g', { traceparent, eventId: 'cause-1' });
    outbox.add('g');
    outbox.add('g', { traceparent });
    await expect(new GoldenPublisher(outbox.store(), bus).drain()).resolves.toBe(3);
    const carried = [1, 2, 3].map((i) => headers.get(`ev-${i}`)?.['x-crm-event-id']);
    expect(carried).toEqual(['cause-1', 'ev-2', 'ev-3']);
    const child = String(headers.get('ev-1')?.traceparent);
    expect(child).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
    expect(child).not.toBe(traceparent);
    expect(headers.get('ev-2')?.traceparent).toBeUndefined();
    expect(String(headers.get('ev-3')?.traceparent)).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-/);
    // the body is the event alone, whatever its cause
    expect(JSON.parse(bodies.get('ev-1') ?? '')).toEqual({
      type: 'golden.changed',
      eventId: 'ev-1',
      goldenId: 'g',
    });
  });

  it('sends a change committed meanwhile while the mark of the page before is still being written', async () => {
    const outbox = new MemoryOutbox();
    const store = outbox.store();
    const marks: { seqs: readonly number[]; write: () => void }[] = [];
    const mark = store.markGoldenPublished.bind(store);
    store.markGoldenPublished = (seqs) =>
      new Promise<number>((resolve) => marks.push({ seqs, write: () => void mark(seqs).then(resolve) }));
    const { bus, published } = recordingBus();
    const publisher = new GoldenPublisher(store, bus);
    outbox.add('g1');
    const first = publisher.drain();
    await settle();
    expect(marks.map((m) => m.seqs)).toEqual([[1]]);
    outbox.add('g2');
    void publisher.drain();
    await settle();
    // ev-1 is not sent twice though its mark is not written; ev-2 does not wait for that write
    expect(published).toEqual(['ev-1', 'ev-2']);
    for (let i = 0; i < 2; i++) {
      marks[i].write();
      await settle();
    }
    await expect(first).resolves.toBe(2);
    expect(outbox.entries).toEqual([]);
  });

  it('does not list again the entries whose marks are still being written', async () => {
    const outbox = new MemoryOutbox();
    const store = outbox.store();
    const marks: (() => void)[] = [];
    const mark = store.markGoldenPublished.bind(store);
    store.markGoldenPublished = (seqs) =>
      new Promise<number>((resolve) => marks.push(() => void mark(seqs).then(resolve)));
    const { bus, published } = recordingBus();
    const publisher = new GoldenPublisher(store, bus);
    const drains: Promise<number>[] = [];
    for (let i = 0; i < 5; i++) {
      outbox.add(`g${i}`);
      drains.push(publisher.drain());
      await settle();
    }
    expect(published).toEqual(['ev-1', 'ev-2', 'ev-3', 'ev-4', 'ev-5']);
    while (marks.length > 0) {
      marks.shift()!();
      await settle();
    }
    await Promise.all(drains);
    expect(outbox.entries).toEqual([]);
    expect([...outbox.listedTimes.values()]).toEqual([1, 1, 1, 1, 1]);
  });

  it('does not send an entry again whose mark committed while a listing from before the commit was on its way', async () => {
    // PostgreSQL reads a listing as of the moment it started: a mark's delete that commits meanwhile
    // is not in it, and the entry came back after its seq had left the marks in flight: ev-1 went to
    // crm.golden twice, under the same message id.
    const outbox = new MemoryOutbox();
    const store = outbox.store();
    const marks: { write: () => Promise<void> }[] = [];
    const mark = store.markGoldenPublished.bind(store);
    store.markGoldenPublished = (seqs) =>
      new Promise<number>((resolve) =>
        marks.push({ write: () => mark(seqs).then((n) => resolve(n)) as Promise<void> }),
      );
    const list = store.listGoldenOutbox.bind(store);
    let holdNext = false;
    let release: (() => void) | undefined;
    store.listGoldenOutbox = async (limit) => {
      const asOfNow = await list(limit);
      if (!holdNext) return asOfNow;
      holdNext = false;
      return new Promise((resolve) => (release = () => resolve(asOfNow)));
    };
    const { bus, published } = recordingBus();
    const publisher = new GoldenPublisher(store, bus);
    outbox.add('g1');
    const first = publisher.drain();
    await settle();
    expect(marks).toHaveLength(1);
    holdNext = true;
    outbox.add('g2');
    void publisher.drain();
    await settle();
    expect(release).toBeDefined();
    // the listing has ev-1 in it; now its mark commits, then the listing arrives
    await marks[0].write();
    await settle();
    release!();
    await settle();
    for (const m of marks.slice(1)) await m.write();
    await settle();
    await expect(first).resolves.toBe(2);
    expect(published).toEqual(['ev-1', 'ev-2']);
    expect(outbox.entries).toEqual([]);
  });

  it('sends again what a failed mark left in the outbox', async () => {
    const outbox = new MemoryOutbox();
    const store = outbox.store();
    const mark = store.markGoldenPublished.bind(store);
    let fail = true;
    store.markGoldenPublished = (seqs) => (fail ? Promise.reject(new Error('disk full')) : mark(seqs));
    const { bus, published } = recordingBus();
    const publisher = new GoldenPublisher(store, bus);
    outbox.add('g');
    await expect(publisher.drain()).rejects.toThrow('disk full');
    fail = false;
    await expect(publisher.drain()).resolves.toBe(1);
    expect(published).toEqual(['ev-1', 'ev-1']);
    expect(outbox.entries).toEqual([]);
  });
});
