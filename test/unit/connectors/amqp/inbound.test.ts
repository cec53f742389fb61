import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REASON_HEADER, type Delivery } from '../../../../connectors/amqp/bus';
import { payloadOutputOf } from '../../../../connectors/amqp/consume-config';
import { EmbeddedBus } from '../../../../connectors/amqp/embedded-bus';
import { IdempotentRepository } from '../../../../connectors/amqp/idempotent-repository';
import { admit, complete, inboundProperties } from '../../../../connectors/amqp/inbound';
import { EmbeddedStore } from '../../../../records/embedded-store';

/** Deliveries as they come; a test waits for the n-th one instead of timing anything. */
function collector(): { handler: (d: Delivery) => void; next(): Promise<Delivery> } {
  const ready: Delivery[] = [];
  const waiting: ((d: Delivery) => void)[] = [];
  return {
    handler: (d) => {
      const take = waiting.shift();
      if (take) take(d);
      else ready.push(d);
    },
    next: () => {
      const d = ready.shift();
      return d ? Promise.resolve(d) : new Promise((resolve) => waiting.push(resolve));
    },
  };
}

describe('inbound deliveries: the idempotent consumer and the dead letter channel', () => {
  let bus: EmbeddedBus;
  let store: EmbeddedStore;
  let directory: string;
  let repository: IdempotentRepository;
  let inbox: ReturnType<typeof collector>;
  let dead: ReturnType<typeof collector>;

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'crm-hub-inbound-'));
    store = new EmbeddedStore({ directory });
    await store.open();
    repository = new IdempotentRepository(store, 'q');
    bus = new EmbeddedBus();
    await bus.start();
    await bus.declareExchange('ex');
    inbox = collector();
    dead = collector();
    await bus.consume({ queue: 'q', bindings: [{ exchange: 'ex', pattern: '#' }] }, inbox.handler);
    await bus.consume({ queue: 'dead', bindings: [{ exchange: 'crm.dlx', pattern: '#' }] }, dead.handler);
  });

  afterEach(async () => {
    await bus.close();
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  const json = (value: unknown) => Buffer.from(JSON.stringify(value));

  it('admits a new message with its decoded body and acks it only after its key is recorded', async () => {
    await bus.publish('ex', 'event.a', json({ n: 1 }), {
      messageId: 'evt-1',
      contentType: 'application/json',
    });
    const d = await inbox.next();
    expect(await admit(d, repository)).toEqual({ kind: 'accepted', payload: { n: 1 } });
    expect(inboundProperties(d, 'q')).toEqual({
      exchange: 'ex',
      routingKey: 'event.a',
      messageId: 'evt-1',
      headers: {},
      redelivered: false,
      queue: 'q',
      contentType: 'application/json',
    });
    expect(await complete(d, repository)).toEqual({ outcome: 'acked' });
    expect(await repository.contains('evt-1')).toBe(true);
    expect(bus.queueDepth('q')).toBe(0);
  });

  it('acks and skips a redelivery of a processed message', async () => {
    await repository.add('evt-2');
    await bus.publish('ex', 'event.a', json({ n: 2 }), { messageId: 'evt-2' });
    const d = await inbox.next();
    expect(await admit(d, repository)).toEqual({ kind: 'duplicate' });
    // acked: cancelling the consumer gives nothing back to the queue
    await bus.close();
    expect(bus.queueDepth('q')).toBe(0);
  });

  it('keyed by id and body (legacy records): another body under a processed id is admitted, the same bytes are not', async () => {
    const legacy = new IdempotentRepository(store, 'legacy', 'message-id-and-body');
    const body = Buffer.from('<IDOC>4741</IDOC>');
    await bus.publish('ex', 'sap.DEBMAS', body, { messageId: 'IDOC-1', contentType: 'application/xml' });
    const first = await inbox.next();
    expect(await admit(first, legacy, 'string')).toMatchObject({ kind: 'accepted' });
    expect(await complete(first, legacy)).toEqual({ outcome: 'acked' });
    await bus.publish('ex', 'sap.DEBMAS', Buffer.from('<IDOC>4742</IDOC>'), {
      messageId: 'IDOC-1',
      contentType: 'application/xml',
    });
    await bus.publish('ex', 'sap.DEBMAS', body, { messageId: 'IDOC-1', contentType: 'application/xml' });
    expect(await admit(await inbox.next(), legacy, 'string')).toEqual({
      kind: 'accepted',
      payload: '<IDOC>4742</IDOC>',
    });
    expect(await admit(await inbox.next(), legacy, 'string')).toEqual({ kind: 'duplicate' });
    // the id alone is not what was recorded
    expect(await legacy.contains('IDOC-1')).toBe(false);
  });

  describe('with a screen (amqp-in with a store: a reused event id)', () => {
    const refuseB = async (payload: unknown) =>
      (payload as { v?: string }).v === 'b' ? 'event-id-reused: eventId evt-s' : undefined;

    it('dead-letters a known message id that carries other content, with the reason, and records nothing', async () => {
      await repository.add('evt-s');
      await bus.publish('ex', 'event.a', json({ v: 'b' }), {
        messageId: 'evt-s',
        contentType: 'application/json',
      });
      expect(await admit(await inbox.next(), repository, 'auto', refuseB)).toEqual({
        kind: 'refused',
        reason: 'event-id-reused: eventId evt-s',
      });
      expect((await dead.next()).headers[REASON_HEADER]).toBe('event-id-reused: eventId evt-s');
    });

    it('still skips a redelivery whose content the screen lets on, and one whose body cannot be read', async () => {
      await repository.add('evt-s');
      await bus.publish('ex', 'event.a', json({ v: 'a' }), {
        messageId: 'evt-s',
        contentType: 'application/json',
      });
      await bus.publish('ex', 'event.a', Buffer.from('{oops'), {
        messageId: 'evt-s',
        contentType: 'application/json',
      });
      expect(await admit(await inbox.next(), repository, 'auto', refuseB)).toEqual({ kind: 'duplicate' });
      expect(await admit(await inbox.next(), repository, 'auto', refuseB)).toEqual({ kind: 'duplicate' });
      await bus.close();
      expect(bus.queueDepth('q')).toBe(0);
      expect(bus.queueDepth('dead')).toBe(0);
    });

    it('refuses a new message the screen refuses, and admits one it lets on', async () => {
      await bus.publish('ex', 'event.a', json({ v: 'b' }), {
        messageId: 'evt-t',
        contentType: 'application/json',
      });
      await bus.publish('ex', 'event.a', json({ v: 'a' }), {
        messageId: 'evt-u',
        contentType: 'application/json',
      });
      expect(await admit(await inbox.next(), repository, 'auto', refuseB)).toMatchObject({ kind: 'refused' });
      expect(await admit(await inbox.next(), repository, 'auto', refuseB)).toEqual({
        kind: 'accepted',
        payload: { v: 'a' },
      });
    });
  });

  it('dead-letters a body that claims to be JSON and is not, without recording it', async () => {
    await bus.publish('ex', 'event.bad', Buffer.from('{oops'), {
      messageId: 'evt-3',
      contentType: 'application/json',
    });
    const admitted = await admit(await inbox.next(), repository);
    expect(admitted).toMatchObject({
      kind: 'undecodable',
      reason: expect.stringContaining('invalid JSON body'),
    });
    const letter = await dead.next();
    expect(letter.headers[REASON_HEADER]).toMatch(/invalid JSON body/);
    expect(await repository.contains('evt-3')).toBe(false);
  });

  it('dead-letters a JSON body nested past the cap with that reason, before the flow walks it', async () => {
    const deep = '{"a":'.repeat(200_000) + '1' + '}'.repeat(200_000);
    await bus.publish('ex', 'salesforce.Contact', Buffer.from(deep), {
      messageId: 'evt-deep',
      contentType: 'application/json',
    });
    expect(await admit(await inbox.next(), repository)).toEqual({
      kind: 'undecodable',
      reason: 'JSON body nested more than 100 levels deep; at most 100 are taken',
    });
    expect((await dead.next()).headers[REASON_HEADER]).toBe(
      'JSON body nested more than 100 levels deep; at most 100 are taken',
    );
  });

  it('dead-letters a message whose flow failed, with the reason, and records nothing', async () => {
    await bus.publish('ex', 'event.a', json({ n: 4 }), { messageId: 'evt-4' });
    const d = await inbox.next();
    await admit(d, repository);
    expect(await complete(d, repository, 'no mortgage for evt-4')).toEqual({ outcome: 'dead-lettered' });
    expect((await dead.next()).headers[REASON_HEADER]).toBe('no mortgage for evt-4');
    expect(await repository.contains('evt-4')).toBe(false);
  });

  it('acks a message whose flow succeeded even when the ledger cannot record its key, and says so', async () => {
    const closedDirectory = mkdtempSync(join(tmpdir(), 'crm-hub-closed-'));
    const closedStore = new EmbeddedStore({ directory: closedDirectory });
    await closedStore.open();
    await closedStore.close();
    const broken = new IdempotentRepository(closedStore, 'q');
    await bus.publish('ex', 'event.a', json({ n: 5 }), { messageId: 'evt-5' });
    const settled = await complete(await inbox.next(), broken);
    // the effect is done: a requeue would run the flow a second time for sure
    expect(settled).toMatchObject({ outcome: 'acked-unrecorded' });
    expect(String((settled as { error: unknown }).error)).toMatch(/not open/);
    // acked, not requeued: closing the consumer hands nothing back, and nothing came again meanwhile
    await bus.close();
    expect(bus.queueDepth('q')).toBe(0);
    rmSync(closedDirectory, { recursive: true, force: true });
  });

  it('works without a repository: no duplicate check, ack after the flow', async () => {
    await bus.publish('ex', 'event.a', Buffer.from('plain text'), {
      messageId: 'evt-6',
      contentType: 'text/plain',
    });
    const d = await inbox.next();
    expect(await admit(d)).toEqual({ kind: 'accepted', payload: 'plain text' });
    expect(await complete(d, undefined)).toEqual({ outcome: 'acked' });
  });

  it('hands the body on as it came with output "buffer" or "string", even one that claims JSON and is not', async () => {
    const body = Buffer.from('{"n": 1');
    await bus.publish('ex', 'event.a', body, { messageId: 'evt-7', contentType: 'application/json' });
    const d = await inbox.next();
    // decoded by content type it would be dead-lettered; as it came it is the flow's to read
    const asBuffer = await admit(d, undefined, 'buffer');
    expect(asBuffer).toMatchObject({ kind: 'accepted' });
    expect(Buffer.isBuffer((asBuffer as { payload: unknown }).payload)).toBe(true);
    expect((asBuffer as { payload: Buffer }).payload.equals(body)).toBe(true);
    expect(await admit(d, undefined, 'string')).toEqual({ kind: 'accepted', payload: '{"n": 1' });
    expect(await admit(d, undefined, 'auto')).toMatchObject({ kind: 'undecodable', reason: /invalid JSON/ });
  });
});

describe('payloadOutputOf', () => {
  it('reads auto, buffer and string, a missing one as auto, and refuses others by name', () => {
    expect(payloadOutputOf(undefined)).toBe('auto');
    expect(payloadOutputOf('')).toBe('auto');
    expect(payloadOutputOf('buffer')).toBe('buffer');
    expect(payloadOutputOf('string')).toBe('string');
    expect(() => payloadOutputOf('json')).toThrow('output must be one of auto, buffer, string, got "json"');
  });
});
