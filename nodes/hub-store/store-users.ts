import type { Node } from 'node-red';
import type { RED } from '../shared/red';

/**
 * How long a closing node may wait for others: Node-RED gives every node nodeCloseTimeout (15 s by
 * default) to close, then logs "Close timed out" and goes on; a second less leaves time to finish.
 */
export function closeWaitMs(RED: RED): number {
  const nodeCloseTimeout = Number((RED.settings as { nodeCloseTimeout?: number }).nodeCloseTimeout) || 15000;
  return Math.max(nodeCloseTimeout - 1000, 0);
}

/**
 * The nodes that still write to a hub-store while they close (amqp-in records the messages it
 * drains). A redeploy closes the store together with its users; closing it under them would leave
 * those messages unrecorded, and the new deployment would handle them again. So the store waits for
 * its registered users, but no longer than closeWaitMs: a stuck user must not hold up the redeploy.
 */
export function storeUsers(RED: RED, store: Node) {
  const users = new Set<Node>();
  let lastUserLeft: (() => void) | undefined;

  const register = (user: Node) => {
    users.add(user);
  };
  const deregister = (user: Node) => {
    users.delete(user);
    if (users.size === 0) lastUserLeft?.();
  };
  const gone = (): Promise<void> => {
    if (users.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        store.warn(RED._('hub-store.log.users-still-open', { count: users.size }));
        resolve();
      }, closeWaitMs(RED));
      lastUserLeft = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  };
  return { register, deregister, gone };
}
