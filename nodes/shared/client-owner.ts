import type { Node } from 'node-red';
import { errorMessage, type RED } from './red';

/** The one client of an endpoint, shared by the nodes that call it (connectors' Shared*Client). */
export interface SharedClient {
  register(user: string): void;
  deregister(user: string): void;
  close(): void;
}

/**
 * A config node that owns a shared client, as Node-RED's mqtt-broker owns its connection: the nodes
 * that call the endpoint register with it, the first one opens the client and the last one to
 * deregister releases it.
 */
export interface ClientOwnerNode<
  C extends SharedClient,
  Credentials extends object = object,
> extends Node<Credentials> {
  /** undefined when the configuration is invalid; configError says why */
  shared?: C;
  configError?: string;
  /** A node starts using the endpoint; the first one opens the client. */
  register(user: Node): void;
  /** A node stops using it; the last one releases the client. */
  deregister(user: Node, done: () => void): void;
}

/**
 * Makes the owner's client with `create`; when that fails, the node keeps configError and logs
 * `<type>.errors.config`. Wires register, deregister and close (the client is closed with the node).
 */
export function ownClient<C extends SharedClient, Credentials extends object>(
  RED: RED,
  node: ClientOwnerNode<C, Credentials>,
  type: string,
  create: () => C,
): C | undefined {
  try {
    node.shared = create();
  } catch (err) {
    node.configError = errorMessage(err);
    node.error(RED._(`${type}.errors.config`, { error: node.configError }));
  }
  const shared = node.shared;
  node.register = (user) => shared?.register(user.id);
  node.deregister = (user, done) => {
    shared?.deregister(user.id);
    done();
  };
  node.on('close', (_removed: boolean, done: () => void) => {
    shared?.close();
    done();
  });
  return shared;
}

/** A node's use of an owner's client. */
export interface ClientUse<C extends SharedClient> {
  shared: C;
  /** deregisters the node from the owner (on close) */
  release(done: () => void): void;
}

/**
 * The shared client of the owner config node `ownerId`, with `user` registered with it; release()
 * deregisters it again (on close). Throws `<type>.errors.no-client` when the owner is missing, or its
 * configError when its configuration is invalid.
 */
export function useClient<C extends SharedClient>(
  RED: RED,
  user: Node,
  ownerId: string,
  type: string,
): ClientUse<C> {
  const owner = RED.nodes.getNode(ownerId) as ClientOwnerNode<C> | null;
  if (!owner) throw new Error(RED._(`${type}.errors.no-client`));
  const shared = owner.shared;
  if (!shared) throw new Error(owner.configError ?? RED._(`${type}.errors.no-client`));
  owner.register(user);
  return { shared, release: (done) => owner.deregister(user, done) };
}
