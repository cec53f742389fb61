import { InFlight } from '../../../../connectors/amqp/in-flight';

describe('InFlight', () => {
  it('drains at once when nothing is in hand', async () => {
    expect(await new InFlight().drain(60_000)).toBe(true);
  });

  it('waits until every delivery in hand is settled, however it is settled', async () => {
    const inFlight = new InFlight();
    const [a, b, c] = [{}, {}, {}];
    inFlight.add(a);
    inFlight.add(b);
    inFlight.add(c);
    let drained = false;
    const drain = inFlight.drain(60_000).then((all) => (drained = all));
    inFlight.settled(a);
    inFlight.settled(a);
    let finishDeadLetter: () => void = () => undefined;
    inFlight.settleWith(b, new Promise<void>((resolve) => (finishDeadLetter = resolve)));
    inFlight.settled(c);
    // c and a are done, b's dead-letter is under way: the drain still waits for it. Several turns of
    // the event loop let a drain that wrongly stopped waiting resolve before the assertion.
    for (let turn = 0; turn < 5; turn++) await new Promise(setImmediate);
    expect(drained).toBe(false);
    expect(inFlight.size).toBe(1);
    finishDeadLetter();
    expect(await drain).toBe(true);
    expect(inFlight.size).toBe(0);
  });

  it('gives up waiting for unsettled deliveries at its bound and says so', async () => {
    const inFlight = new InFlight();
    inFlight.add({});
    expect(await inFlight.drain(1)).toBe(false);
  });

  it('has nothing to wait for once the channel is gone', async () => {
    const inFlight = new InFlight();
    inFlight.add({});
    const drain = inFlight.drain(60_000);
    inFlight.clear();
    expect(await drain).toBe(true);
  });

  it('counts a failed settlement as settled (the broker got the message back either way)', async () => {
    const inFlight = new InFlight();
    const d = {};
    inFlight.add(d);
    inFlight.settleWith(d, Promise.reject(new Error('dead-letter exchange refused it')));
    expect(await inFlight.drain(60_000)).toBe(true);
  });
});
