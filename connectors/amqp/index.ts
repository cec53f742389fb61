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
export { causeOf, causedHeaders, EVENT_ID_HEADER, type Cause } from './hop-headers';
export { messageIdOf, stableMessageId, DERIVED_ID_PREFIX } from './message-id';
export {
  attemptsOf,
  delayLabel,
  retryOrDeadLetter,
  retrySteps,
  DEFAULT_RETRY_DELAYS_MS,
  type RetryOutcome,
  type RetryStep,
} from './retry-ladder';
export {
  SyncTopology,
  targetQueue,
  targetSystemOf,
  DEFAULT_DELIVERY_LIMIT,
  DEFAULT_INBOUND_QUEUE,
  type SyncTopologyOptions,
} from './sync-topology';

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
