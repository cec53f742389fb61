import { CompletionTracker } from '../../../../connectors/amqp/completion-tracker';

function settler(): { ack: jest.Mock; fail: jest.Mock } {
  return { ack: jest.fn(), fail: jest.fn() };
}

describe('CompletionTracker', () => {
  afterEach(() => jest.useRealTimers());

  it('acks once every destination completed', () => {
    const t = new CompletionTracker();
    const s = settler();
    t.track('m1', s, 1000);
    t.sent('m1', 2);
    t.settleIfIdle('m1');
    expect(s.ack).not.toHaveBeenCalled();
    t.completed('m1');
    expect(s.ack).not.toHaveBeenCalled();
    // a downstream node forwards before finishing: still in flight
    t.sent('m1', 1);
    t.completed('m1');
    expect(s.ack).not.toHaveBeenCalled();
    t.completed('m1');
    expect(s.ack).toHaveBeenCalledTimes(1);
    expect(s.fail).not.toHaveBeenCalled();
    expect(t.size()).toBe(0);
  });

  it('hands a transient first error to retry, and a later transient one leaves a real failure a failure', () => {
    const t = new CompletionTracker();
    const away = { ...settler(), retry: jest.fn() };
    t.track('t1', away, 1000);
    t.sent('t1', 2);
    t.completed('t1', 'connection lost before the broker confirmed', true);
    t.completed('t1', 'schema says no');
    expect(away.retry).toHaveBeenCalledWith('connection lost before the broker confirmed');
    expect(away.fail).not.toHaveBeenCalled();

    const poison = { ...settler(), retry: jest.fn() };
    t.track('t2', poison, 1000);
    t.sent('t2', 2);
    t.completed('t2', 'schema says no');
    t.completed('t2', 'connection lost', true);
    expect(poison.fail).toHaveBeenCalledWith('schema says no');
    expect(poison.retry).not.toHaveBeenCalled();

    // a settler without retry fails as before
    const plain = settler();
    t.track('t3', plain, 1000);
    t.sent('t3', 1);
    t.completed('t3', 'connection lost', true);
    expect(plain.fail).toHaveBeenCalledWith('connection lost');
  });

  it('fails naming every error once the flow is done (the bad records of a packet), each once, at most 10', () => {
    const t = new CompletionTracker();
    const s = settler();
    t.track('m2', s, 1000);
    t.sent('m2', 3);
    t.completed('m2', 'first broke');
    t.completed('m2', 'second broke');
    expect(s.fail).not.toHaveBeenCalled();
    t.completed('m2');
    expect(s.fail).toHaveBeenCalledWith('first broke; second broke');
    expect(s.ack).not.toHaveBeenCalled();

    const packet = settler();
    t.track('m4', packet, 1000);
    t.sent('m4', 14);
    for (let i = 0; i < 12; i++) t.completed('m4', `IDOC[${i}] broke`);
    t.completed('m4', 'IDOC[0] broke');
    t.completed('m4');
    const reason = (packet.fail as jest.Mock).mock.calls[0][0] as string;
    expect(reason.split('; ')).toHaveLength(11);
    expect(reason).toMatch(/^IDOC\[0\] broke; IDOC\[1\] broke; .*IDOC\[9\] broke; and 2 more$/);
  });

  it('acks a message that went nowhere (no wires) via settleIfIdle', () => {
    const t = new CompletionTracker();
    const s = settler();
    t.track('m3', s, 1000);
    t.settleIfIdle('m3');
    expect(s.ack).toHaveBeenCalledTimes(1);
    expect(t.has('m3')).toBe(false);
  });

  it('ignores unknown ids and settles only once', () => {
    const t = new CompletionTracker();
    const s = settler();
    t.sent('ghost', 2);
    t.completed('ghost', 'x');
    t.settleIfIdle('ghost');
    t.track('m4', s, 1000);
    t.sent('m4', 1);
    t.completed('m4');
    t.completed('m4');
    t.settleIfIdle('m4');
    expect(s.ack).toHaveBeenCalledTimes(1);
    expect(s.fail).not.toHaveBeenCalled();
  });

  it('fails after the timeout when the flow never completes', () => {
    jest.useFakeTimers();
    const t = new CompletionTracker();
    const s = settler();
    t.track('m5', s, 5000);
    t.sent('m5', 1);
    jest.advanceTimersByTime(4999);
    expect(s.fail).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(s.fail).toHaveBeenCalledWith('not completed within 5000 ms');
    expect(t.size()).toBe(0);
    t.completed('m5');
    expect(s.ack).not.toHaveBeenCalled();
  });

  it('tells a time-out apart when the settler asks for it, and an error reported by a node not', () => {
    jest.useFakeTimers();
    const t = new CompletionTracker();
    const s = { ...settler(), timedOut: jest.fn() };
    t.track('m6', s, 1000);
    t.sent('m6', 1);
    jest.advanceTimersByTime(1000);
    expect(s.timedOut).toHaveBeenCalledWith('not completed within 1000 ms');
    expect(s.fail).not.toHaveBeenCalled();
    t.track('m7', s, 1000);
    t.sent('m7', 1);
    t.completed('m7', 'boom');
    expect(s.fail).toHaveBeenCalledWith('boom');
    expect(s.timedOut).toHaveBeenCalledTimes(1);
  });

  it('clear() cancels timers without settling anything', () => {
    jest.useFakeTimers();
    const t = new CompletionTracker();
    const s = settler();
    t.track('a', s, 100);
    t.track('b', s, 100);
    expect(t.size()).toBe(2);
    t.clear();
    expect(t.size()).toBe(0);
    jest.advanceTimersByTime(1000);
    expect(s.ack).not.toHaveBeenCalled();
    expect(s.fail).not.toHaveBeenCalled();
  });

  it('rejects bad arguments with specific errors', () => {
    const t = new CompletionTracker();
    expect(() => t.track('', settler(), 10)).toThrow('id must be a non-empty string');
    expect(() => t.track('x', settler(), 0)).toThrow('timeoutMs must be a positive number, got 0');
    expect(() => t.track('x', {} as never, 10)).toThrow('settle must have ack() and fail(reason)');
    t.track('dup', settler(), 10);
    expect(() => t.track('dup', settler(), 10)).toThrow("message 'dup' is already tracked");
    expect(() => t.sent('dup', -1)).toThrow('destinations must be a non-negative integer, got -1');
    t.clear();
  });
  it('gives a message that went to a stopped node up at once, never acks it, and ignores what comes after', () => {
    const t = new CompletionTracker();
    const s = { ...settler(), dropped: jest.fn() };
    t.track('m1', s, 60_000);
    t.sent('m1', 2);
    t.completed('m1');
    t.dropped('m1', 'node n2 stopped');
    expect(s.dropped).toHaveBeenCalledWith('node n2 stopped');
    expect(t.has('m1')).toBe(false);
    // the other branch finishing later must not ack a message whose copy was lost
    t.completed('m1');
    t.dropped('m1', 'again');
    expect(s.ack).not.toHaveBeenCalled();
    expect(s.fail).not.toHaveBeenCalled();
    expect(s.dropped).toHaveBeenCalledTimes(1);
  });

  it('keeps waiting (for its time-out) when the settler cannot be told of a drop', () => {
    const t = new CompletionTracker();
    const s = settler();
    t.track('m1', s, 60_000);
    t.sent('m1', 1);
    t.dropped('m1', 'node n2 stopped');
    expect(t.has('m1')).toBe(true);
    t.completed('m1');
    expect(s.ack).toHaveBeenCalledTimes(1);
  });
  it('tells a node that handed something on for a message whether it was acked, however it ended', () => {
    const t = new CompletionTracker();
    const ends: Record<string, boolean[]> = {};
    const listen = (id: string) => t.whenSettled(id, (acked) => (ends[id] ??= []).push(acked));
    expect(listen('untracked')).toBe(false);
    for (const id of ['acked', 'failed', 'retried', 'dropped', 'cleared'])
      t.track(id, { ...settler(), retry: jest.fn(), dropped: jest.fn() }, 1000);
    for (const id of ['acked', 'failed', 'retried', 'dropped', 'cleared']) expect(listen(id)).toBe(true);
    t.sent('acked', 1);
    t.completed('acked');
    t.sent('failed', 1);
    t.completed('failed', 'refused');
    t.sent('retried', 1);
    t.completed('retried', 'not connected', true);
    t.dropped('dropped', 'stopped');
    t.clear();
    expect(ends).toEqual({
      acked: [true],
      failed: [false],
      retried: [false],
      dropped: [false],
      cleared: [false],
    });
  });
});
