import { Socket } from 'node:net';

/** amqplib keeps a connection's socket at `connection.stream`, which its typings leave out. */
export function amqplibSocket(model: unknown): Socket | undefined {
  const socket = (model as { connection?: { stream?: unknown } } | null)?.connection?.stream;
  return socket instanceof Socket ? socket : undefined;
}
