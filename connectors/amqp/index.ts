import type { Bus } from './bus';
import { parseBrokerUrls } from './broker-urls';
import { EmbeddedBus } from './embedded-bus';
import { RabbitMqBus, type RabbitMqBusOptions } from './rabbitmq-bus';

export * from './bus';
export { BusError, isBusError, type BusErrorKind } from './bus-error';
export { parseBrokerUrls, withCredentials, type Credentials } from './broker-urls';
export { EmbeddedBus } from './embedded-bus';
export { RabbitMqBus, type RabbitMqBusOptions } from './rabbitmq-bus';
export { CompletionTracker, type Settler } from './completion-tracker';
export { IdempotentRepository, type ProcessedLedger } from './idempotent-repository';
export { compileTopicPattern, topicMatches, type TopicMatcher } from './topic-match';

/**
 * RabbitMQ when a URL is configured (AMQP_URL; several, comma separated or one per line, fail over
 * round robin), otherwise the embedded bus, so `npm start` runs anywhere.
 */
export function createBus(
  url: string | readonly string[] | undefined,
  options: Omit<RabbitMqBusOptions, 'url'> = {},
): Bus {
  const urls = parseBrokerUrls(url);
  return urls.length === 0 ? new EmbeddedBus() : new RabbitMqBus({ ...options, url: urls });
}
