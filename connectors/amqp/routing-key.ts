/**
 * Routing keys for canonical messages. A template like `event.{type}.{channel}` takes dotted paths
 * from the payload; words are made safe for AMQP topics (no dots or wildcards inside a word).
 */
export function routingKeyFor(template: string, payload: unknown): string {
  return template.replace(/\{([a-zA-Z0-9_.]+)\}/g, (_, path: string) => {
    const value = valueAt(payload, path);
    if (value === undefined || value === null || value === '') {
      throw new Error(`routing key template '${template}' needs ${path}, which the message does not have`);
    }
    return topicWord(String(value));
  });
}

/** The default for canonical events: `event.<type>.<channel>`, e.g. `event.address-changed.call-center`. */
export const CANONICAL_EVENT_KEY = 'event.{type}.{channel}';

/** Actions on crm.actions: `action.<channel>`, e.g. `action.sms`; the channel is one topic word. */
export const ACTION_KEY = 'action.{channel}';

function topicWord(value: string): string {
  return value.replace(/[.*#\s]+/g, '-');
}

function valueAt(root: unknown, path: string): unknown {
  let current: unknown = root;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}
