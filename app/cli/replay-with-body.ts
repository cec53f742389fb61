/**
 * `crm-hub dead-letters replay <id> --body <file>`: a dead letter whose body was wrong (not XML, a
 * field the schema refuses) comes back with the corrected body. Everything else stays as the dead
 * letter had it: its message id (so the idempotent consumer still recognises the message, and a
 * replay run twice is applied once), content type, correlation id, persistence and headers (less
 * the ones dead-lettering added). It goes where the message came from, or to --to.
 *
 * Order, as for a plain replay: the corrected copy is published (mandatory, publisher confirm) first,
 * and the dead letter is removed only once the broker confirmed it. A crash in between leaves the dead
 * letter in place, never neither.
 *
 * Headers come from `show`, which gives them as JSON: strings and numbers come back as they were, an
 * AMQP timestamp as its ISO text and a byte array as base64 text. The hub's own headers (traceparent,
 * the event id) are strings.
 */
import * as amqp from 'amqplib';
import type { Message, Options } from 'amqplib';
import { parseBrokerUrls } from '../../connectors/amqp/broker-urls';
import {
  DEATH_HEADERS,
  DeadLetterError,
  type DeadLetterQueue,
  type Destination,
} from '../../connectors/amqp/dead-letters';
import { errorMessage } from '../../formats/error-message';

export interface BodyReplay {
  id: string;
  exchange: string;
  routingKey: string;
  /** bytes of the corrected body */
  size: number;
  /** dead letters with this id removed after the confirm */
  removed: number;
}

export async function replayWithBody(
  dlq: DeadLetterQueue,
  url: string | undefined,
  id: string,
  body: Buffer,
  options: { to?: Destination; contentType?: string } = {},
): Promise<BodyReplay> {
  const letter = await dlq.show(id);
  const to =
    options.to ??
    (letter.exchange !== null && letter.routingKey !== null
      ? { exchange: letter.exchange, routingKey: letter.routingKey }
      : undefined);
  if (!to) {
    throw new DeadLetterError(
      'no-destination',
      'neither the hub nor x-death says where it came from; give a destination (--to <exchange>/<routing key>)',
    );
  }
  const props = letter.properties;
  const headers = Object.fromEntries(Object.entries(letter.headers).filter(([k]) => !DEATH_HEADERS.has(k)));
  const publish: Options.Publish = {
    mandatory: true,
    persistent: props.deliveryMode !== 1,
    headers,
    ...(letter.messageId !== null ? { messageId: letter.messageId } : {}),
    ...((options.contentType ?? letter.contentType)
      ? { contentType: options.contentType ?? letter.contentType ?? undefined }
      : {}),
    ...(typeof props.correlationId === 'string' ? { correlationId: props.correlationId } : {}),
    ...(typeof props.contentEncoding === 'string' ? { contentEncoding: props.contentEncoding } : {}),
    ...(typeof props.type === 'string' ? { type: props.type } : {}),
    ...(typeof props.appId === 'string' ? { appId: props.appId } : {}),
  };
  await publishConfirmed(url, to, body, publish);
  return { id, ...to, size: body.length, removed: await dlq.purge(id) };
}

async function publishConfirmed(
  url: string | undefined,
  to: Destination,
  body: Buffer,
  properties: Options.Publish,
): Promise<void> {
  const urls = parseBrokerUrls(url);
  const where = `exchange '${to.exchange}' with routing key '${to.routingKey}'`;
  const connection = await connectFirst(urls);
  try {
    const channel = await connection.createConfirmChannel();
    let returned: Message | undefined;
    let channelError: unknown;
    channel.on('return', (m: Message) => (returned = m));
    channel.on('error', (err: unknown) => (channelError = err));
    try {
      await new Promise<void>((resolve, reject) =>
        channel.publish(to.exchange, to.routingKey, body, properties, (err: unknown) =>
          err ? reject(err instanceof Error ? err : new Error(errorMessage(err))) : resolve(),
        ),
      );
    } catch (err) {
      throw new DeadLetterError(
        channelError ? 'refused' : 'nacked',
        `replay to ${where} ${channelError ? `refused: ${errorMessage(channelError)}` : `failed: ${errorMessage(err)}`}`,
        { cause: err },
      );
    }
    if (returned) {
      const fields = returned.fields as unknown as { replyCode?: unknown; replyText?: unknown };
      throw new DeadLetterError(
        'unroutable',
        `replay to ${where} is unroutable: the broker returned it (${String(fields.replyCode)} ${String(fields.replyText)})`,
      );
    }
    await channel.close().catch(() => undefined);
  } finally {
    await connection.close().catch(() => undefined);
  }
}

async function connectFirst(urls: readonly string[]): Promise<amqp.ChannelModel> {
  let last: unknown;
  for (const url of urls) {
    try {
      const connection = await amqp.connect(url, { timeout: 10_000 });
      connection.on('error', () => undefined);
      return connection;
    } catch (err) {
      last = err;
    }
  }
  throw new DeadLetterError('not-connected', `no broker answered: ${errorMessage(last)}`, { cause: last });
}
