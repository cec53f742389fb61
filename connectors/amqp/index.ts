import type { Bus } from './bus';
import { EmbeddedBus } from './embedded-bus';
import { RabbitMqBus, type RabbitMqBusOptions } from './rabbitmq-bus';

export * from './bus';
export { EmbeddedBus } from './embedded-bus';
export { RabbitMqBus, type RabbitMqBusOptions } from './rabbitmq-bus';
export { CompletionTracker, type Settler } from './completion-tracker';
export { compileTopicPattern, topicMatches, type TopicMatcher } from './topic-match';

/** RabbitMQ when a URL is configured (AMQP_URL), otherwise the embedded bus, so `npm start` runs anywhere. */
export function createBus(url: string | undefined, options: Omit<RabbitMqBusOptions, 'url'> = {}): Bus {
  const trimmed = url?.trim() ?? '';
  return trimmed === '' ? new EmbeddedBus() : new RabbitMqBus({ ...options, url: trimmed });
}
