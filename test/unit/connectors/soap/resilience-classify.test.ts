import { classifySoapError, faultOf } from '../../../../connectors/soap/client';
import {
  idempotencyKeyOf,
  keyToUuid,
  messageIdFor,
  messageIdHeaderXml,
} from '../../../../connectors/soap/idempotency';

const fault11 = (code: string) => ({
  root: {
    Envelope: { Body: { Fault: { faultcode: code, faultstring: 'went wrong', detail: { field: 'x' } } } },
  },
  response: { status: 500 },
});

describe('classifySoapError: what a retry can fix', () => {
  it.each([
    ['ECONNREFUSED', { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:1' }],
    ['ECONNRESET', { code: 'ECONNRESET', message: 'read ECONNRESET' }],
    ['ETIMEDOUT', { code: 'ETIMEDOUT', message: 'connect ETIMEDOUT' }],
    ['socket hang up', { message: 'socket hang up' }],
  ])('a network error (%s) is transient', (_name, err) => {
    const c = classifySoapError(err);
    expect(c.kind).toBe('network');
    expect(c.transient).toBe(true);
  });

  it.each([408, 429, 500, 502, 503, 504])('HTTP %i without a fault body is transient', (status) => {
    const c = classifySoapError({ message: 'Error http status codes', response: { status } });
    expect(c).toMatchObject({ kind: 'http', transient: true, details: { statusCode: status } });
  });

  it.each([400, 401, 403, 404, 501])('HTTP %i is not retried', (status) => {
    expect(classifySoapError({ response: { status } }).transient).toBe(false);
  });

  it('a Client fault is the caller mistake and never retried', () => {
    const c = classifySoapError(fault11('soap:Client'), { retryServerFaults: true });
    expect(c).toMatchObject({ kind: 'fault', transient: false });
    expect(c.fault).toEqual({
      code: 'soap:Client',
      string: 'went wrong',
      detail: { field: 'x' },
      side: 'client',
    });
  });

  it('a Server fault is retried only when configured', () => {
    expect(classifySoapError(fault11('soap:Server')).transient).toBe(false);
    expect(classifySoapError(fault11('soap:Server'), { retryServerFaults: true }).transient).toBe(true);
  });

  it('reads SOAP 1.2 faults', () => {
    const f = faultOf({
      Envelope: {
        Body: { Fault: { Code: { Value: 'env:Sender' }, Reason: { Text: { $value: 'bad ref' } } } },
      },
    });
    expect(f).toEqual({ code: 'env:Sender', string: 'bad ref', side: 'client' });
  });

  it('an unparseable 200 answer is not retried: the server may have acted on it', () => {
    expect(classifySoapError(new Error('Cannot parse response'))).toMatchObject({
      kind: 'response',
      transient: false,
    });
  });
});

describe('classifySoapError: what a thrown non-Error says', () => {
  it("reads node-soap's thrown parse fault instead of printing [object Object]", () => {
    const thrown = {
      Fault: { faultcode: 500, faultstring: 'Invalid XML', detail: 'Error: Unexpected close tag' },
    };
    expect(classifySoapError(thrown).message).toBe(
      'unusable response: Invalid XML: Error: Unexpected close tag',
    );
  });

  it('shows any other thrown object as JSON', () => {
    expect(classifySoapError({ reason: 'odd' }).message).toBe('unusable response: {"reason":"odd"}');
  });
});

describe('idempotency keys', () => {
  it('keeps a UUID and maps any other key to one stable UUID', () => {
    const uuid = '1b4e28ba-2fa1-41d2-883f-0016d3cca427';
    expect(keyToUuid(uuid.toUpperCase())).toBe(uuid);
    const a = keyToUuid('evt-1');
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(keyToUuid('evt-1')).toBe(a);
    expect(keyToUuid('evt-2')).not.toBe(a);
    expect(messageIdFor('evt-1')).toBe(`urn:uuid:${a}`);
    expect(messageIdHeaderXml('evt-1')).toBe(
      `<wsa:MessageID xmlns:wsa="http://www.w3.org/2005/08/addressing">urn:uuid:${a}</wsa:MessageID>`,
    );
  });

  it('takes msg.idempotencyKey, then payload.eventId, then msg._msgid', () => {
    expect(idempotencyKeyOf({ idempotencyKey: 'k', payload: { eventId: 'e' }, _msgid: 'm' })).toBe('k');
    expect(idempotencyKeyOf({ payload: { eventId: 'e' }, _msgid: 'm' })).toBe('e');
    expect(idempotencyKeyOf({ payload: { eventId: '' }, _msgid: 'm' })).toBe('m');
    expect(idempotencyKeyOf({ payload: null })).toBeUndefined();
  });
});
