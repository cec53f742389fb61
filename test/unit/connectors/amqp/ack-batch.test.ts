import { AckBatch } from '../../../../connectors/amqp/ack-batch';

/** An AckBatch whose flushes run only when the test says so, and what it sent. */
function batch() {
  const sent: [number, boolean][] = [];
  const flushes: (() => void)[] = [];
  const acks = new AckBatch(
    (tag, allUpTo) => sent.push([tag, allUpTo]),
    (flush) => flushes.push(flush),
  );
  const turnEnds = () => {
    for (const flush of flushes.splice(0)) flush();
  };
  return { acks, sent, turnEnds, flushes };
}

describe('AckBatch', () => {
  it('acknowledges the acks of one turn with one multiple ack, at the end of the turn', () => {
    const { acks, sent, turnEnds, flushes } = batch();
    for (const tag of [1, 2, 3]) acks.delivered(tag);
    acks.ack(2);
    acks.ack(1);
    acks.ack(3);
    expect(sent).toEqual([]);
    expect(acks.unsent).toBe(3);
    expect(flushes).toHaveLength(1);
    turnEnds();
    expect(sent).toEqual([[3, true]]);
    expect(acks.unsent).toBe(0);
  });

  it('never lets a multiple ack cover a delivery still in the flow: acks behind it go one by one', () => {
    const { acks, sent, turnEnds } = batch();
    for (const tag of [1, 2, 3, 4, 5]) acks.delivered(tag);
    acks.ack(1);
    acks.ack(2);
    acks.ack(4);
    acks.ack(5);
    turnEnds();
    expect(sent).toEqual([
      [2, true],
      [4, false],
      [5, false],
    ]);
    // 3 finishes later: only it is left, and 4 and 5 are not acknowledged twice
    sent.length = 0;
    acks.ack(3);
    turnEnds();
    expect(sent).toEqual([[3, true]]);
  });

  it('treats a delivery the caller rejected itself as decided, so it ends no prefix early', () => {
    const { acks, sent, turnEnds } = batch();
    for (const tag of [7, 8, 9]) acks.delivered(tag);
    acks.settled(7); // nacked by the caller
    acks.ack(8);
    acks.ack(9);
    turnEnds();
    expect(sent).toEqual([[9, true]]);
  });

  it('a rejected delivery in the middle still lets the prefix through past it', () => {
    const { acks, sent, turnEnds } = batch();
    for (const tag of [1, 2, 3]) acks.delivered(tag);
    acks.ack(1);
    acks.settled(2);
    acks.ack(3);
    turnEnds();
    // the broker acknowledges only outstanding deliveries up to 3: 2 was already rejected
    expect(sent).toEqual([[3, true]]);
  });

  it('an ack twice, or an ack after a rejection, sends nothing more', () => {
    const { acks, sent, turnEnds } = batch();
    acks.delivered(1);
    acks.delivered(2);
    acks.ack(1);
    acks.ack(1);
    acks.settled(2);
    acks.ack(2);
    turnEnds();
    expect(sent).toEqual([[1, true]]);
  });

  it('an ack for a delivery it never saw goes out on its own at once', () => {
    const { acks, sent } = batch();
    acks.ack(42);
    expect(sent).toEqual([[42, false]]);
  });

  it('flush sends what is pending now, for a channel about to close', () => {
    const { acks, sent, turnEnds } = batch();
    acks.delivered(1);
    acks.ack(1);
    acks.flush();
    expect(sent).toEqual([[1, true]]);
    turnEnds();
    expect(sent).toHaveLength(1);
  });

  it('after close nothing is sent: the channel is gone and the broker redelivers', () => {
    const { acks, sent, turnEnds } = batch();
    acks.delivered(1);
    acks.ack(1);
    acks.close();
    turnEnds();
    acks.delivered(2);
    acks.ack(2);
    acks.ack(3);
    acks.flush();
    expect(sent).toEqual([]);
  });

  it('over many turns, in any order, acknowledges every delivery exactly once as the broker sees it', () => {
    // RabbitMQ's rule: the tag of an ack must be outstanding (else PRECONDITION_FAILED, "unknown
    // delivery tag"); multiple settles every outstanding delivery up to it.
    const outstanding = new Set<number>();
    const acked = new Set<number>();
    const flushes: (() => void)[] = [];
    const acks = new AckBatch(
      (tag, allUpTo) => {
        if (!outstanding.has(tag)) throw new Error(`unknown delivery tag ${tag}`);
        for (const t of [...outstanding]) {
          if (t === tag || (allUpTo && t < tag)) {
            // a delivery the flow still works on must never be acknowledged with the others
            if (open.includes(t)) throw new Error(`delivery ${t} acknowledged while still in the flow`);
            outstanding.delete(t);
            acked.add(t);
          }
        }
      },
      (flush) => flushes.push(flush),
    );
    const open: number[] = [];
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const rejected = new Set<number>();
    let tag = 0;
    for (let turn = 0; turn < 2000; turn++) {
      for (let i = Math.floor(random() * 4); i > 0; i--) {
        outstanding.add(++tag);
        acks.delivered(tag);
        open.push(tag);
      }
      for (let i = Math.floor(random() * 4); i > 0 && open.length > 0; i--) {
        const [t] = open.splice(Math.floor(random() * open.length), 1);
        if (random() < 0.1) {
          // nacked by the caller: gone from the broker's outstanding set
          outstanding.delete(t);
          rejected.add(t);
          acks.settled(t);
        } else acks.ack(t);
      }
      for (const flush of flushes.splice(0)) flush();
    }
    for (const t of open.splice(0)) acks.ack(t);
    for (const flush of flushes.splice(0)) flush();
    expect(outstanding.size).toBe(0);
    expect(acked.size + rejected.size).toBe(tag);
    for (const t of rejected) expect(acked.has(t)).toBe(false);
    expect(acks.unsent).toBe(0);
  });

  it('flushes by setImmediate by default', async () => {
    const sent: [number, boolean][] = [];
    const acks = new AckBatch((tag, allUpTo) => sent.push([tag, allUpTo]));
    acks.delivered(1);
    acks.ack(1);
    expect(sent).toEqual([]);
    await new Promise(setImmediate);
    expect(sent).toEqual([[1, true]]);
  });
});
