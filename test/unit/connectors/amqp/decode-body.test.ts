/** amqp-in's "auto" output: JSON parsed, NDJSON handed on as text, a body that claims JSON and is none refused. */
import type { BusMessage } from '../../../../connectors/amqp/bus';
import { decodeBody } from '../../../../connectors/amqp/consume-config';

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
