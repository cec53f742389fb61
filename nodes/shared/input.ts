import type { Node, NodeMessage } from 'node-red';
import { errorMessage } from '../../formats/error-message';
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
    options.onError?.(error);
    if (options.errorStatus !== false)
      node.status({ fill: 'red', shape: 'ring', text: error.message.slice(0, 60) });
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
