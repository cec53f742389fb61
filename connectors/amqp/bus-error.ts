import { errorMessage } from '../../formats/error-message';
import { userOf, virtualHostOf } from './broker-urls';

/**
 * What went wrong on the bus, as a `kind` a flow can route on. Both buses throw it, so a flow behaves
 * the same on RabbitMQ and on the embedded bus.
 *
 * - `nacked`: the broker refused to take the message (e.g. a full queue with overflow reject-publish);
 *   it was not delivered, publishing it again later may succeed.
 * - `unroutable`: no queue is bound to take it (mandatory flag, basic.return); a topology problem.
 * - `outcome-unknown`: the connection was lost after the message was sent and before the broker
 *   confirmed it; it may or may not have been delivered, so a retry may duplicate it (consumers are
 *   idempotent on the message id, which is why a retry keeps the same id).
 * - `not-connected`: no connection within the wait; nothing was sent.
 * - `closed`: the bus was closed (redeploy, shutdown); nothing was sent.
 * - `refused`: the broker closed the channel for this operation (missing exchange, arguments that
 *   differ from the existing queue's, access refused); `replyCode` says which.
 * - `misconfigured`: the broker's settings cannot be used (a URL that is no amqp:// URL); nothing was
 *   sent, and nothing will be until the settings are fixed.
 * - `blocked`: the broker blocks the connection (a memory or disk alarm, connection.blocked); nothing
 *   was sent, publishing it again once the alarm cleared will do.
 */
export type BusErrorKind =
  | 'nacked'
  | 'unroutable'
  | 'outcome-unknown'
  | 'not-connected'
  | 'closed'
  | 'refused'
  | 'misconfigured'
  | 'blocked';

export class BusError extends Error {
  /**
   * The kind again, under the name Node-RED copies: a Catch node's msg.error keeps an error's own
   * `code` (with message, stack and cause) but no other field.
   */
  readonly code: BusErrorKind;
  /** the AMQP reply code when the broker gave one: 312 NO_ROUTE, 404 NOT_FOUND, 406 PRECONDITION_FAILED ... */
  readonly replyCode?: number;

  constructor(
    readonly kind: BusErrorKind,
    message: string,
    options: { replyCode?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BusError';
    this.code = kind;
    if (options.replyCode !== undefined) this.replyCode = options.replyCode;
  }
}

export function isBusError(err: unknown, kind?: BusErrorKind): err is BusError {
  return err instanceof BusError && (kind === undefined || err.kind === kind);
}

/** The AMQP reply code amqplib puts on a channel or connection error as `code`, if there is one. */
export function replyCodeOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

const FOR_CALLERS: Record<BusErrorKind, string> = {
  nacked: 'the message bus refused the message (a queue is full); nothing was taken, try again later',
  unroutable: "no queue takes the message (the hub's bus topology is incomplete); nothing was taken",
  'outcome-unknown':
    'the connection to the message bus was lost before it confirmed the message; it may have been taken, send it again with the same id',
  'not-connected': 'the message bus cannot be reached; nothing was taken, try again later',
  closed: 'the message bus is being redeployed or shut down; nothing was taken, try again',
  refused: 'the message bus refused the operation; nothing was taken',
  misconfigured: "the hub's message bus settings cannot be used; nothing was taken",
  blocked:
    'the message bus is short of memory or disk and takes no messages for now; nothing was taken, try again later',
};

/**
 * What a caller of the hub (a SOAP or REST client) is told of a failure on the bus: the kind in
 * words, without the broker's host, virtual host or user that the error itself names for the log.
 */
export function busFailureForCaller(err: unknown): { kind: BusErrorKind; message: string } | undefined {
  const kind = (err as { code?: unknown } | null | undefined)?.code;
  return typeof kind === 'string' && Object.hasOwn(FOR_CALLERS, kind)
    ? { kind: kind as BusErrorKind, message: FOR_CALLERS[kind as BusErrorKind] }
    : undefined;
}

/**
 * Why a connection attempt failed, in words an operator can act on. RabbitMQ answers connection.open
 * for a virtual host that does not exist, that the user may not use or that is at its connection limit
 * with connection.close 530 NOT_ALLOWED; amqplib drops the close's code and text and says only
 * "Expected ConnectionOpenOk; got <ConnectionClose channel:0>". `url` may hold a password: only its
 * virtual host and user are named.
 */
export function connectFailure(err: unknown, url: string): string {
  const message = errorMessage(err);
  if (!/Expected ConnectionOpenOk; got <ConnectionClose/.test(message)) return message;
  return (
    `the broker refused to open virtual host '${virtualHostOf(url)}': it does not exist, or user ` +
    `${userOf(url)} may not use it (RabbitMQ 530 NOT_ALLOWED; rabbitmqctl list_vhosts and list_permissions show which)`
  );
}
