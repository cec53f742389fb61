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
