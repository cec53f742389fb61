import type { Node } from 'node-red';
import { onInput } from './input';

/**
 * The settings of a node, or of the config node it uses, cannot be used: every message fails with this
 * until they are fixed. Its `code` is `misconfigured`, as a BusError's of an unusable amqp-broker, so
 * one switch after a Catch node routes them all (Node-RED copies an error's own `code` to msg.error).
 */
export class MisconfiguredError extends Error {
  readonly code = 'misconfigured';
  readonly kind = 'misconfigured';

  constructor(
    message: string,
    /** the few words the node's status shows instead of the whole message */
    readonly statusText?: string,
  ) {
    // the name stays Error: Catch shows `Error: <message>` as before, and the code tells the kind
    super(message);
  }
}

/**
 * The node cannot work without a config node that is not deployed (never chosen, deleted, or on a
 * disabled tab): red status and the reason in the log once, then every message fails with it. A node
 * without an input handler would drop each message without a word: no Catch or Complete node would see
 * it, and an amqp-in upstream would wait out its whole time-out before settling the delivery.
 */
export function refuseMessages(node: Node, message: string, statusText: string): void {
  node.status({ fill: 'red', shape: 'ring', text: statusText });
  node.error(message);
  onInput(
    node,
    () => {
      throw new MisconfiguredError(message, statusText);
    },
    { errorStatus: false },
  );
}
