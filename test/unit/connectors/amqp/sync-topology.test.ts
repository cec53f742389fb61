import { createHash } from 'node:crypto';
import type { BusMessage } from '../../../../connectors/amqp/bus';
import { EmbeddedBus } from '../../../../connectors/amqp/embedded-bus';
import { causedHeaders, causeOf, EVENT_ID_HEADER } from '../../../../connectors/amqp/hop-headers';
import { messageIdOf, stableMessageId } from '../../../../connectors/amqp/message-id';
import { attemptsOf, delayLabel, retrySteps } from '../../../../connectors/amqp/retry-ladder';
import { SyncTopology } from '../../../../connectors/amqp/sync-topology';
import { parseTraceparent, TRACEPARENT } from '../../../../connectors/http/trace-context';

const TRACE = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

function message(overrides: Partial<BusMessage> = {}): BusMessage {
  return {
    exchange: 'crm.inbound',
    routingKey: 'sap.DEBMAS',
    body: Buffer.from('<DEBMAS07/>'),
    headers: {},
    contentType: 'application/xml',
    redelivered: false,
    ...overrides,
  };
}

describe('stable message ids', () => {
  it('is SHA-256 over content type, NUL and body, prefixed, and the same for the same message', () => {
    const expected = createHash('sha256').update('application/xml\u0000<DEBMAS07/>').digest('hex');
    expect(stableMessageId(Buffer.from('<DEBMAS07/>'), 'application/xml')).toBe(`body-sha256:${expected}`);
    expect(messageIdOf(message({ headers: { anything: 'else' } }))).toBe(`body-sha256:${expected}`);
  });

  it('tells content types apart, and where the type ends and the body begins', () => {
    const body = Buffer.from('bc');
    expect(stableMessageId(body, 'a')).not.toBe(stableMessageId(Buffer.from('c'), 'ab'));
    expect(stableMessageId(body, 'application/xml')).not.toBe(stableMessageId(body, 'text/plain'));
    expect(stableMessageId(body)).toBe(stableMessageId(body, ''));
  });

  it('keeps an id the message has', () => {
    expect(messageIdOf(message({ messageId: 'idoc-0000000000012345' }))).toBe('idoc-0000000000012345');
    expect(messageIdOf(message({ messageId: '' }))).toMatch(/^body-sha256:[0-9a-f]{64}$/);
  });
});

describe('hop headers', () => {
  it('continues the trace of the cause with a new parent id and carries its event id', () => {
    const cause = message({
      messageId: 'm-1',
      headers: { [TRACEPARENT]: TRACE, [EVENT_ID_HEADER]: 'event-7' },
    });
    const headers = causedHeaders(cause);
    const trace = parseTraceparent(headers[TRACEPARENT]);
    expect(trace).toMatchObject({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', flags: '01' });
    expect(trace?.parentId).not.toBe('00f067aa0ba902b7');
    expect(headers[EVENT_ID_HEADER]).toBe('event-7');
  });

  it('takes the event id from the message id, else from the body, and reads byte header values', () => {
    expect(causeOf(message({ messageId: 'm-2' })).eventId).toBe('m-2');
    expect(causeOf(message()).eventId).toBe(stableMessageId(Buffer.from('<DEBMAS07/>'), 'application/xml'));
    const bytes = message({
      headers: { [TRACEPARENT]: Buffer.from(TRACE), [EVENT_ID_HEADER]: Buffer.from('e-9') },
    });
    expect(causeOf(bytes)).toEqual({ traceparent: TRACE, eventId: 'e-9' });
  });

  it('starts one trace for a cause that came without, however many messages it causes', () => {
    const cause = message({ messageId: 'm-3' });
    const ids = [causedHeaders(cause), causedHeaders(causeOf(cause))].map(
      (h) => parseTraceparent(h[TRACEPARENT])?.traceId,
    );
    expect(ids[0]).toMatch(/^[0-9a-f]{32}$/);
    expect(ids[1]).toBe(ids[0]);
    expect(causeOf(message({ messageId: 'm-3' })).traceparent).not.toBe(causeOf(cause).traceparent);
  });

  it('lets no header of the flow break the chain', () => {
    const headers = causedHeaders(message({ messageId: 'm-4', headers: { [TRACEPARENT]: TRACE } }), {
      [EVENT_ID_HEADER]: 'forged',
      [TRACEPARENT]: 'nonsense',
      'x-crm-target': 'siebel',
    });
    expect(headers).toMatchObject({ [EVENT_ID_HEADER]: 'm-4', 'x-crm-target': 'siebel' });
    expect(parseTraceparent(headers[TRACEPARENT])?.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });
});

describe('retry ladder names and checks', () => {
  it('names a retry queue by its delay', () => {
    expect([200, 1500, 5_000, 30_000, 300_000, 7_200_000].map(delayLabel)).toEqual([
      '200ms',
      '1500ms',
      '5s',
      '30s',
      '5m',
      '2h',
    ]);
    expect(retrySteps('crm.out.sap', [5_000, 30_000])).toEqual([
      { delayMs: 5_000, queue: 'crm.out.sap.retry.5s' },
      { delayMs: 30_000, queue: 'crm.out.sap.retry.30s' },
    ]);
  });

  it('refuses delays that do not increase or are no whole milliseconds', () => {
    expect(() => retrySteps('q', [5_000, 5_000])).toThrow('retry delays must increase, got 5s after 5s');
    expect(() => retrySteps('q', [0])).toThrow(
      'retry delay 1 must be a whole number of milliseconds from 1, got 0',
    );
    expect(() => retrySteps('q', [1.5])).toThrow('got 1.5');
  });

  it('counts attempts from the header, whatever type a client gave it', () => {
    expect(attemptsOf({ headers: {} })).toBe(0);
    expect(attemptsOf({ headers: { 'x-crmhub-attempts': 2 } })).toBe(2);
    expect(attemptsOf({ headers: { 'x-crmhub-attempts': '3' } })).toBe(3);
    expect(attemptsOf({ headers: { 'x-crmhub-attempts': 'many' } })).toBe(0);
  });

  it('refuses a target id that is no legacy-system id, and a system it was not given', async () => {
    const bus = new EmbeddedBus();
    expect(() => new SyncTopology(bus, { targets: ['SAP.R3'] })).toThrow(
      "target system id 'SAP.R3' is not a legacy-system id (lower-case letters, digits and single dashes, e.g. sap)",
    );
    const topology = new SyncTopology(bus, { targets: ['sap'] });
    expect(() => topology.targetDeclaration('siebel')).toThrow(
      "'siebel' is not a target of this sync topology (targets: sap)",
    );
  });

  it('refuses on the embedded bus what RabbitMQ refuses: the same queue with other options', async () => {
    const bus = new EmbeddedBus();
    await bus.start();
    await new SyncTopology(bus, { targets: ['sap'], deliveryLimit: 3 }).declare();
    await expect(new SyncTopology(bus, { targets: ['sap'], deliveryLimit: 4 }).declare()).rejects.toThrow(
      "queue 'crm.hub.inbound' already exists with deliveryLimit=3, cannot redeclare it with deliveryLimit=4",
    );
    await expect(bus.consume({ queue: 'crm.out.sap', bindings: [] }, () => undefined)).rejects.toMatchObject({
      kind: 'refused',
      replyCode: 406,
    });
    await bus.close();
  });
});
