import type { Socket } from 'node:net';
import { amqplibSocket } from './amqplib-socket';

/**
 * The connection runs with TCP_NODELAY so a confirm or an ack is not held back by Nagle's algorithm.
 * Without Nagle every frame amqplib writes (a publish, an ack, each on its own) is a syscall and a
 * TCP segment of its own, for us and for the broker. Corking the socket at the first write and
 * uncorking it in the event loop's next check phase (setImmediate) sends everything written in
 * between with one writev: the batching of Nagle without its delay. Node-RED hands each message to
 * the next node in a setImmediate of its own, and ticks and microtasks run between them, so
 * uncorking at the end of a tick wrote each publish alone; waiting for the check phase puts the
 * publishes and acks of a whole loop iteration into one write (under the SOAP benchmark's load, about
 * a quarter of the writes, and a quarter less broker CPU per message together with ack-batch.ts).
 *
 * Without a socket where amqplib keeps it (another amqplib version), nothing changes.
 */
export function coalesceSocketWrites(model: unknown): boolean {
  const socket = amqplibSocket(model);
  if (!socket) return false;
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
      setImmediate(uncork);
    }
    return write.apply(this, args);
  } as Socket['write'];
  return true;
}
