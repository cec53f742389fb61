/** amqp-in's "auto" output: JSON parsed, NDJSON handed on as text, a body that claims JSON and is none refused. */
import type { BusMessage } from '../../../../connectors/amqp/bus';
import { decodeBody, deliveryLimitOf } from '../../../../connectors/amqp/consume-config';

const lines = [
  '{"event":"page_view","customerNumber":"4711"}',
  '{"event":"form_submitted","customerNumber":"4711"}',
].join('\n');
const message = (body: string, contentType?: string) =>
  ({ body: Buffer.from(body), ...(contentType ? { contentType } : {}) }) as unknown as BusMessage;

describe('decodeBody (auto)', () => {
  it('hands NDJSON on as text, by its content type or by its lines when none is given', () => {
    for (const type of [
      'application/x-ndjson',
      'application/ndjson',
      'application/jsonl',
      'application/json-lines',
      undefined,
    ]) {
      expect({ type, decoded: decodeBody(message(lines, type)) }).toEqual({
        type,
        decoded: { ok: true, value: lines },
      });
    }
  });

  it('still parses one JSON document, and refuses what claims JSON and is none', () => {
    expect(decodeBody(message('{"a":1}', 'application/json'))).toEqual({ ok: true, value: { a: 1 } });
    expect(decodeBody(message('{"a":1}'))).toEqual({ ok: true, value: { a: 1 } });
    // labelled JSON, but two documents: the sender is wrong, and the reason says so
    expect(decodeBody(message(lines, 'application/json'))).toMatchObject({
      ok: false,
      reason: expect.stringContaining('invalid JSON body'),
    });
    expect(decodeBody(message('{"a":1}\n{broken'))).toMatchObject({ ok: false });
  });
});

describe('decodeBody: nesting', () => {
  const nested = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);

  it('takes JSON nested 100 levels deep, as the REST API does, and refuses one level more', () => {
    expect(decodeBody(message(`{"a":${nested(99)}}`, 'application/json'))).toMatchObject({ ok: true });
    expect(decodeBody(message(`{"a":${nested(100)}}`, 'application/json'))).toEqual({
      ok: false,
      reason: 'JSON body nested more than 100 levels deep; at most 100 are taken',
    });
    // without a content type too
    expect(decodeBody(message(nested(200_000)))).toMatchObject({ ok: false });
  });
});

describe('deliveryLimitOf (amqp-in)', () => {
  it('reads none from an empty or missing value, a whole number the broker takes, and refuses the rest', () => {
    expect(deliveryLimitOf(undefined)).toBeUndefined();
    expect(deliveryLimitOf(' ')).toBeUndefined();
    expect(deliveryLimitOf('20')).toBe(20);
    expect(deliveryLimitOf('4294967295')).toBe(4294967295);
    for (const bad of ['many', '-1', '2.5', '4294967296']) {
      expect(() => deliveryLimitOf(bad)).toThrow(
        /delivery limit must be a whole number from 0 to 4294967295/,
      );
    }
  });
});

describe('decodeBody (auto): bytes in a Latin code page', () => {
  const bytes = (body: Buffer, contentType?: string) =>
    ({ body, ...(contentType ? { contentType } : {}) }) as unknown as BusMessage;
  // "Schäfer;Köln" as windows-1252 and ISO-8859-1 write it: ä is E4, ö is F6, neither UTF-8
  const latin = Buffer.from('Kundennummer;Nachname;Ort\n1001;Sch\xe4fer;K\xf6ln\n', 'latin1');

  it('hands text that is not UTF-8 on as the bytes it came as, whatever its content type', () => {
    for (const type of [undefined, 'text/csv', 'text/plain', 'text/xml', 'text/csv; charset=windows-1252']) {
      const decoded = decodeBody(bytes(latin, type));
      expect({ type, isBuffer: decoded.ok && Buffer.isBuffer(decoded.value) }).toEqual({
        type,
        isBuffer: true,
      });
      expect(decoded).toEqual({ ok: true, value: latin });
    }
  });

  it('makes text of UTF-8, and of ASCII in any Latin charset, as before', () => {
    const utf8 = Buffer.from('1001;Schäfer;Köln\n');
    expect(decodeBody(bytes(utf8, 'text/csv'))).toEqual({ ok: true, value: '1001;Schäfer;Köln\n' });
    expect(decodeBody(bytes(utf8, 'text/csv; charset=UTF-8'))).toEqual({
      ok: true,
      value: '1001;Schäfer;Köln\n',
    });
    expect(decodeBody(bytes(utf8))).toEqual({ ok: true, value: '1001;Schäfer;Köln\n' });
    expect(decodeBody(bytes(Buffer.from('1001;Koeln'), 'text/csv; charset=iso-8859-1'))).toEqual({
      ok: true,
      value: '1001;Koeln',
    });
    // UTF-8 bytes labelled windows-1252 mean other letters: the flow gets the bytes and the label
    expect(decodeBody(bytes(utf8, 'text/csv; charset=windows-1252'))).toEqual({ ok: true, value: utf8 });
  });

  it('refuses JSON that is not UTF-8 instead of parsing "K\\uFFFDln"', () => {
    const json = Buffer.from('{"city":"K\xf6ln"}', 'latin1');
    expect(decodeBody(bytes(json, 'application/json'))).toEqual({
      ok: false,
      reason: 'JSON body not valid UTF-8 at byte 10: send UTF-8 (JSON is UTF-8, RFC 8259)',
    });
    // without a type it is no JSON one can tell: the bytes go on
    expect(decodeBody(bytes(json))).toEqual({ ok: true, value: json });
  });
});
