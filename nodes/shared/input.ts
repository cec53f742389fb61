import type { Node, NodeMessage } from 'node-red';
import { errorMessage } from '../../formats/error-message';
import { hubMetrics } from '../../app/metrics/hub-metrics';
import { isStoreUnavailable } from '../../records/store-unavailable';
import type { Done, Send } from './red';

export type InputHandler<M extends NodeMessage> = (msg: M, send: Send) => void | Promise<void>;

export interface InputOptions {
  /** called when the handler fails, before done(err): counters, a custom status */
  onError?: (err: Error) => void;
  /** false: leave the node's status alone on failure (the node shows its own, e.g. counts) */
  errorStatus?: boolean;
}

/** Any thrown value as an Error, keeping the original when it is one, so its class, kind and stack survive. */
export function asError(err: unknown): Error {
  const error = err instanceof Error ? err : new Error(errorMessage(err));
  exposeKind(error);
  return error;
}

/**
 * A Catch node gets msg.error with the message, source, stack, cause and `code` of the error, but not
 * our `kind` (Node-RED copies only those). A library error's kind ('fault', 'unroutable', 'rejected' …)
 * becomes its code unless it has one of its own, so a switch node after Catch can route on
 * msg.error.code.
 */
function exposeKind(error: Error): void {
  const kind = (error as { kind?: unknown }).kind;
  if (typeof kind === 'string' && !Object.hasOwn(error, 'code')) {
    Object.defineProperty(error, 'code', {
      value: kind,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
}

/**
 * What the node's status says of a failure. Node-RED shows a status whole, on one line under the node,
 * and its own nodes cut theirs to 32 characters (debug, the subflow status): an error that brings a
 * few words for it (MisconfiguredError's statusText) shows those, any other its message cut at a word
 * within STATUS_MAX characters, with an ellipsis; the whole message goes to done(err).
 */
export const STATUS_MAX = 60;

export function statusTextOf(error: Error): string {
  const short = (error as { statusText?: unknown }).statusText;
  if (typeof short === 'string' && short !== '') return short;
  const text = error.message;
  if (text.length <= STATUS_MAX) return text;
  const cut = text.slice(0, STATUS_MAX - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > STATUS_MAX / 2 ? cut.slice(0, space) : cut).replace(/[\s,.:;]+$/, '')}…`;
}

/**
 * The one input path of every CRM Hub node (zachowj's InputOutputController, in small): the handler
 * may be synchronous or async; when it returns, done() is called; when it throws or rejects, the node
 * shows the reason and done(err) hands the original error to Catch nodes. A promise never rejects
 * unhandled, and synchronous handlers stay synchronous (no microtask per message on the hot path).
 */
export function onInput<M extends NodeMessage = NodeMessage>(
  node: Node,
  handler: InputHandler<M>,
  options: InputOptions = {},
): void {
  const fail = (err: unknown, done: Done) => {
    const error = asError(err);
    if (isStoreUnavailable(error)) hubMetrics.storeUnavailable += 1;
    options.onError?.(error);
    if (options.errorStatus !== false) node.status({ fill: 'red', shape: 'ring', text: statusTextOf(error) });
    done(error);
  };
  node.on('input', (msg: NodeMessage, send: Send, done: Done) => {
    let pending: void | Promise<void>;
    try {
      pending = handler(msg as M, send);
    } catch (err) {
      fail(err, done);
      return;
    }
    if (pending && typeof pending.then === 'function')
      pending.then(
        () => done(),
        (err: unknown) => fail(err, done),
      );
    else done();
  });
}
