/**
 * Rules that read the same source and begin with the same transforms share that beginning within one
 * record (or one item of a repeated segment); each rule still fails under its own name.
 */
import { compileMapping } from '../../../mappings/engine';
import { transforms } from '../../../mappings/transforms';
import { eventSpec } from './test-spec';

const context = {
  eventId: '7f1e2d3c-4b5a-4c6d-8e7f-9a0b1c2d3e4f',
  occurredAt: '2025-03-01T09:30:00.000Z',
  recordRef: 'line 3',
};

const spec = (fields: unknown[]) => eventSpec(fields);

const PERSON = { field: 'KIND', equals: 'P' };
const nameRule = (to: string, part: string, extra: Record<string, unknown> = {}) => ({
  to: `data.${to}`,
  from: ['NAME2', 'NAME1'],
  transforms: [{ join: ', ' }, 'splitName', { pick: part }],
  ...extra,
});

describe('shared beginnings of rules', () => {
  // A transform that counts its calls, registered for these tests only.
  let calls: unknown[] = [];
  beforeAll(() => {
    transforms.countCalls = {
      usage: '"countCalls": passes the value on and counts',
      needsOption: false,
      create: () => (value) => {
        calls.push(value);
        return value;
      },
    };
  });
  afterAll(() => {
    delete transforms.countCalls;
  });
  beforeEach(() => {
    calls = [];
  });

  it('splits a name once per record for title, given and family name', () => {
    const counted = (to: string, part: string) => ({
      to: `data.${to}`,
      from: ['NAME2', 'NAME1'],
      transforms: [{ join: ', ' }, 'countCalls', 'splitName', { pick: part }],
    });
    const fields = [
      counted('title', 'title'),
      counted('given', 'givenName'),
      counted('family', 'familyName'),
    ];
    const mapping = compileMapping(spec(fields), 'Thing');
    const first = mapping.map({ NAME1: 'Dr. Anna Maria', NAME2: 'Schmidt' }, context);
    expect(first.ok && first.value.data).toEqual({ title: 'Dr.', given: 'Anna Maria', family: 'Schmidt' });
    expect(calls).toEqual(['Schmidt, Dr. Anna Maria']);
    const second = mapping.map({ NAME1: 'Carlos', NAME2: 'García López' }, context);
    expect(second.ok && second.value.data).toEqual({ given: 'Carlos', family: 'García López' });
    expect(calls).toEqual(['Schmidt, Dr. Anna Maria', 'García López, Carlos']);
  });

  it('gives the same documents as rules that share nothing', () => {
    const shared = [
      nameRule('title', 'title'),
      nameRule('given', 'givenName'),
      nameRule('family', 'familyName'),
    ];
    // Different option spellings make the beginnings differ, so these run on their own.
    const alone = [
      {
        ...nameRule('title', 'title'),
        transforms: [{ join: { separator: ', ' } }, 'splitName', { pick: 'title' }],
      },
      nameRule('given', 'givenName'),
      { ...nameRule('family', 'familyName'), from: ['NAME2', 'NAME1', 'NAME3'] },
    ];
    const a = compileMapping(spec(shared), 'Thing');
    const b = compileMapping(spec(alone), 'Thing');
    for (const input of [
      { NAME1: 'Prof. Dr. Hans', NAME2: 'von Weizsäcker' },
      { NAME1: 'Anna', NAME2: 'Schmidt' },
      { NAME1: '', NAME2: 'Meier' },
      { NAME2: 'Frau Dr. Eva Braun' },
      {},
    ]) {
      expect(a.map(input, context)).toEqual(b.map(input, context));
    }
  });

  it('computes a shared beginning again for every item of a repeated segment', () => {
    const fields = [
      {
        each: 'PARTNERS',
        to: 'data.partners',
        fields: [
          { to: 'given', from: 'NAME', transforms: ['countCalls', 'splitName', { pick: 'givenName' }] },
          { to: 'family', from: 'NAME', transforms: ['countCalls', 'splitName', { pick: 'familyName' }] },
        ],
      },
    ];
    const result = compileMapping(spec(fields), 'Thing').map(
      { PARTNERS: [{ NAME: 'Anna Schmidt' }, { NAME: 'Jürgen Weiß' }] },
      context,
    );
    expect(result.ok && result.value.data).toEqual({
      partners: [
        { given: 'Anna', family: 'Schmidt' },
        { given: 'Jürgen', family: 'Weiß' },
      ],
    });
    expect(calls).toEqual(['Anna Schmidt', 'Jürgen Weiß']);
  });

  it('runs the last transform of each rule on its own, so two targets never hold one object', () => {
    const fields = [
      { to: 'data.a', from: 'NAME', transforms: ['countCalls', 'splitName'] },
      { to: 'data.b', from: 'NAME', transforms: ['countCalls', 'splitName'] },
    ];
    const result = compileMapping(spec(fields), 'Thing').map({ NAME: 'Anna Schmidt' }, context);
    if (!result.ok) throw new Error(result.error.message);
    const data = result.value.data as { a: unknown; b: unknown };
    expect(data.a).toEqual({ givenName: 'Anna', familyName: 'Schmidt' });
    expect(data.b).toEqual(data.a);
    expect(data.b).not.toBe(data.a);
    // the shared beginning ran once, splitName once per rule
    expect(calls).toHaveLength(1);
  });

  it('copies the shared object when the own transform of a rule hands it back unchanged', () => {
    const fields = [
      { to: 'data.a', from: 'NAME', transforms: ['splitName', { default: { familyName: 'A' } }] },
      { to: 'data.b', from: 'NAME', transforms: ['splitName', { default: { familyName: 'B' } }] },
    ];
    const result = compileMapping(spec(fields), 'Thing').map({ NAME: 'Anna Schmidt' }, context);
    if (!result.ok) throw new Error(result.error.message);
    const data = result.value.data as { a: unknown; b: unknown };
    expect(data.a).toEqual({ givenName: 'Anna', familyName: 'Schmidt' });
    expect(data.b).toEqual(data.a);
    expect(data.b).not.toBe(data.a);
  });

  it('names the rule that needed the shared value first when it fails, with its source field', () => {
    const fields = [
      nameRule('title', 'title', { when: PERSON }),
      nameRule('given', 'givenName'),
      nameRule('family', 'familyName', { required: true }),
    ];
    const mapping = compileMapping(spec(fields), 'Thing');
    const failure = {
      sourceField: 'NAME2+NAME1',
      rule: 'splitName',
      record: 'line 3',
    };
    expect(mapping.map({ KIND: 'P', NAME1: 'Dr.' }, context)).toEqual({
      ok: false,
      error: {
        ...failure,
        field: 'data.title',
        message: 'data.title (from source field "NAME2+NAME1"): "Dr." holds a title but no name',
      },
    });
    // The title rule does not apply to this record, so the given name is the first to need it.
    expect(mapping.map({ KIND: 'O', NAME1: 'Dr.' }, context)).toEqual({
      ok: false,
      error: {
        ...failure,
        field: 'data.given',
        message: 'data.given (from source field "NAME2+NAME1"): "Dr." holds a title but no name',
      },
    });
    // A shared value that is missing still fails the required rule, under its own name.
    expect(mapping.map({ KIND: 'P' }, context)).toEqual({
      ok: false,
      error: {
        field: 'data.family',
        sourceField: 'NAME2+NAME1',
        rule: 'required',
        message: 'data.family is required but source field "NAME2+NAME1" is missing or empty',
        record: 'line 3',
      },
    });
  });

  it('evaluates a condition that several rules spell the same way once per record, with the same outcome', () => {
    const when = { field: 'KIND', in: ['P', 'X'] };
    const fields = [
      { to: 'data.a', from: 'KIND', when },
      { to: 'data.b', from: 'NAME', when },
      { to: 'data.c', from: 'NAME', when: { not: when } },
    ];
    const mapping = compileMapping(spec(fields), 'Thing');
    const person = mapping.map({ KIND: 'P', NAME: 'Anna' }, context);
    expect(person.ok && person.value.data).toEqual({ a: 'P', b: 'Anna' });
    const other = mapping.map({ KIND: 'O', NAME: 'Anna' }, context);
    expect(other.ok && other.value.data).toEqual({ c: 'Anna' });
  });
});
