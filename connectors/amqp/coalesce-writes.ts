import { Socket } from 'node:net';

/**
 * The connection runs with TCP_NODELAY so a confirm or an ack is not held back by Nagle's algorithm.
 * Without Nagle every frame amqplib writes (a publish, an ack, each on its own) is a syscall and a
 * TCP segment of its own, for us and for the broker. Corking the socket at the first write of an
 * event-loop turn and uncorking it at the end of the turn sends everything written in between with
 * one writev: the batching of Nagle without its delay.
 *
 * amqplib keeps its socket at `connection.stream`, which its typings leave out; without one (another
 * amqplib version), nothing changes.
 */
export function coalesceSocketWrites(model: unknown): boolean {
  const socket = (model as { connection?: { stream?: unknown } } | null)?.connection?.stream;
  if (!(socket instanceof Socket)) return false;
  const write = socket.write;
  let corked = false;
  const uncork = () => {
    corked = false;
    socket.uncork();
  };
  socket.write = function (this: Socket, ...args: Parameters<Socket['write']>): boolean {
    if (!corked) {
      corked = true;
      socket.cork();
      process.nextTick(uncork);
    }
    return write.apply(this, args);
  } as Socket['write'];
  return true;
}
