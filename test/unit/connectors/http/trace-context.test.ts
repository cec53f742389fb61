import {
  childTraceparent,
  continueTrace,
  newTraceparent,
  parseTraceparent,
  traceIdOf,
} from '../../../../connectors/http/trace-context';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const GIVEN = `00-${TRACE}-00f067aa0ba902b7-01`;
const SHAPE = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

describe('W3C traceparent', () => {
  it('reads the fields of a valid header', () => {
    expect(parseTraceparent(GIVEN)).toEqual({ traceId: TRACE, parentId: '00f067aa0ba902b7', flags: '01' });
    expect(parseTraceparent(` ${GIVEN} `)).toMatchObject({ traceId: TRACE });
  });

  it.each([
    ['upper case', GIVEN.toUpperCase()],
    ['an all-zero trace id', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`],
    ['an all-zero parent id', `00-${TRACE}-${'0'.repeat(16)}-01`],
    ['version ff', `ff-${TRACE}-00f067aa0ba902b7-01`],
    ['a short trace id', `00-${TRACE.slice(1)}-00f067aa0ba902b7-01`],
    ['version 00 with more fields', `${GIVEN}-extra`],
    ['dots for dashes', GIVEN.replace(/-/g, '.')],
    ['no string', 42],
    ['nothing', undefined],
  ])('refuses %s', (_what, value) => {
    expect(parseTraceparent(value)).toBeUndefined();
  });

  it('reads a later version by its first four fields, and passes it on as version 00', () => {
    const later = `01-${TRACE}-00f067aa0ba902b7-01-what-comes-next`;
    expect(parseTraceparent(later)).toMatchObject({ traceId: TRACE });
    expect(continueTrace(later)).toBe(GIVEN);
    expect(parseTraceparent(`01-${TRACE}-00f067aa0ba902b7-01x`)).toBeUndefined();
  });

  it('keeps the trace id and flags for a call it makes, with a new parent id each time', () => {
    const first = childTraceparent(GIVEN);
    const second = childTraceparent(GIVEN);
    expect(first).toMatch(SHAPE);
    expect(traceIdOf(first)).toBe(TRACE);
    expect(first.endsWith('-01')).toBe(true);
    expect(parseTraceparent(first)?.parentId).not.toBe('00f067aa0ba902b7');
    expect(parseTraceparent(first)?.parentId).not.toBe(parseTraceparent(second)?.parentId);
    expect(childTraceparent(GIVEN.replace(/-01$/, '-00')).endsWith('-00')).toBe(true);
  });

  it('starts a new sampled trace when there is none or it is broken', () => {
    for (const value of [undefined, '', 'garbage', `00-${TRACE}-00f067aa0ba902b7`]) {
      const started = continueTrace(value);
      expect(started).toMatch(SHAPE);
      expect(started.endsWith('-01')).toBe(true);
      expect(traceIdOf(childTraceparent(value))).not.toBe(TRACE);
    }
    expect(traceIdOf(newTraceparent())).not.toBe(traceIdOf(newTraceparent()));
  });
});
