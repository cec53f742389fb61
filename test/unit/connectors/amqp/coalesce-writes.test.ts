import net from 'node:net';
import { coalesceSocketWrites } from '../../../../connectors/amqp/coalesce-writes';

/** A connected socket pair on loopback; `received` resolves with what the server side read. */
async function socketPair(expectedBytes: number) {
  let received!: Promise<Buffer>;
  const server = net.createServer();
  const accepted = new Promise<void>((resolve) => {
    server.once('connection', (peer) => {
      const chunks: Buffer[] = [];
      received = new Promise((done) => {
        peer.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          if (Buffer.concat(chunks).length >= expectedBytes) done(Buffer.concat(chunks));
        });
      });
      resolve();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  await accepted;
  return {
    socket,
    received: () => received,
    close: () => {
      socket.destroy();
      server.close();
    },
  };
}

describe('coalesceSocketWrites', () => {
  it('sends the frames written in one turn with one writev, in order', async () => {
    const pair = await socketPair(9);
    try {
      expect(coalesceSocketWrites({ connection: { stream: pair.socket } })).toBe(true);
      const internals = pair.socket as unknown as { _writev: (...args: unknown[]) => void };
      const writev = jest.spyOn(internals, '_writev');
      pair.socket.write(Buffer.from('abc'));
      pair.socket.write(Buffer.from('def'));
      pair.socket.write(Buffer.from('ghi'));
      expect(writev).not.toHaveBeenCalled();
      expect((await pair.received()).toString()).toBe('abcdefghi');
      expect(writev).toHaveBeenCalledTimes(1);
      expect((writev.mock.calls[0][0] as unknown[]).length).toBe(3);
    } finally {
      pair.close();
    }
  });

  it('puts what an immediate and the ticks and microtasks after it write into one writev', async () => {
    const pair = await socketPair(12);
    try {
      coalesceSocketWrites({ connection: { stream: pair.socket } });
      const internals = pair.socket as unknown as { _writev: (...args: unknown[]) => void };
      const writev = jest.spyOn(internals, '_writev');
      // as Node-RED delivers: each message in a setImmediate of its own, with ticks in between
      await new Promise<void>((resolve) =>
        setImmediate(() => {
          pair.socket.write(Buffer.from('abc'));
          process.nextTick(() => pair.socket.write(Buffer.from('def')));
          queueMicrotask(() => pair.socket.write(Buffer.from('ghi')));
          setImmediate(() => {
            pair.socket.write(Buffer.from('jkl'));
            resolve();
          });
        }),
      );
      expect((await pair.received()).toString()).toBe('abcdefghijkl');
      // the three of the first immediate in one writev; jkl, queued behind the uncork, in a write of its own
      expect(writev.mock.calls.map((call) => (call[0] as unknown[]).length)).toEqual([3]);
    } finally {
      pair.close();
    }
  });

  it('writes again in the next turn, so nothing stays corked', async () => {
    const pair = await socketPair(6);
    try {
      coalesceSocketWrites({ connection: { stream: pair.socket } });
      pair.socket.write(Buffer.from('abc'));
      await new Promise((resolve) => setImmediate(resolve));
      expect(pair.socket.writableCorked).toBe(0);
      pair.socket.write(Buffer.from('def'));
      expect((await pair.received()).toString()).toBe('abcdef');
      expect(pair.socket.writableCorked).toBe(0);
    } finally {
      pair.close();
    }
  });

  it('leaves a connection without a socket where amqplib keeps one alone', () => {
    expect(coalesceSocketWrites({})).toBe(false);
    expect(coalesceSocketWrites(null)).toBe(false);
    expect(coalesceSocketWrites({ connection: { stream: {} } })).toBe(false);
  });
});
