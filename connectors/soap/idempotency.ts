import { createHash } from 'node:crypto';

/**
 * Idempotent outbound calls: every attempt of one message carries the same key, so a server that
 * processed an attempt whose answer we never saw (timeout, dropped connection) can recognise the
 * retry and answer with its first result instead of creating a second activity.
 */

export const WSA_NAMESPACE = 'http://www.w3.org/2005/08/addressing';
/** also sent as an HTTP header, for gateways that deduplicate before the SOAP stack */
export const IDEMPOTENCY_HTTP_HEADER = 'Idempotency-Key';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// our own namespace for name-based UUIDs, so the same key always maps to the same UUID
const KEY_NAMESPACE = Buffer.from('6f1d3b2a9c4e4d5f8a7b0c1d2e3f4a5b', 'hex');

/** A UUID stays as it is; any other key maps to a stable name-based (version 5) UUID. */
export function keyToUuid(key: string): string {
  if (UUID.test(key)) return key.toLowerCase();
  const hash = createHash('sha1').update(KEY_NAMESPACE).update(key, 'utf8').digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The WS-Addressing MessageID the server deduplicates on: urn:uuid:<uuid of the key>. */
export function messageIdFor(key: string): string {
  return `urn:uuid:${keyToUuid(key)}`;
}

export function messageIdHeaderXml(key: string): string {
  return `<wsa:MessageID xmlns:wsa="${WSA_NAMESPACE}">${messageIdFor(key)}</wsa:MessageID>`;
}

/**
 * The key of a Node-RED message: an explicit msg.idempotencyKey, else the canonical event's eventId
 * (stable across redeliveries from the bus), else msg._msgid (stable across our own retries only).
 */
export function idempotencyKeyOf(msg: {
  idempotencyKey?: unknown;
  payload?: unknown;
  _msgid?: unknown;
}): string | undefined {
  const candidates = [
    msg.idempotencyKey,
    (msg.payload as { eventId?: unknown } | null | undefined)?.eventId,
    msg._msgid,
  ];
  for (const c of candidates) {
    if ((typeof c === 'string' && c.trim()) || typeof c === 'number') return String(c).trim();
  }
  return undefined;
}
