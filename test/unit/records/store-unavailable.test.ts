/**
 * Which errors say the store cannot be reached (retry, 503) and which say something about the data
 * (dead-letter, 4xx/500). The PostgreSQL errors are shaped as node-postgres raises them: code, the
 * server's severity and the routine that raised it.
 */
import { isStoreUnavailable, StoreUnavailableError } from '../../../records/store-unavailable';

const pg = (code: string, severity: string, message: string, routine = 'x') =>
  Object.assign(new Error(message), { code, severity, routine });

describe('isStoreUnavailable', () => {
  it.each([
    [
      'a database that does not accept connections (ALTER DATABASE … ALLOW_CONNECTIONS false)',
      pg('55000', 'FATAL', 'database "crm" is not currently accepting connections', 'CheckMyDatabase'),
    ],
    [
      'the same refusal from a server whose messages are translated',
      pg('55000', 'ВАЖНО', 'база данных "crm" не принимает подключения', 'CheckMyDatabase'),
    ],
    ['too many connections (53300)', pg('53300', 'FATAL', 'sorry, too many clients already')],
    ['a configuration limit (53400)', pg('53400', 'ERROR', 'configuration limit exceeded')],
    ['out of memory on the server (53200)', pg('53200', 'ERROR', 'out of memory')],
    ['a disk that is full (53100)', pg('53100', 'ERROR', 'could not extend file: No space left on device')],
    ['a database that was dropped under the session (57P04)', pg('57P04', 'FATAL', 'database dropped')],
    ['an idle session ended by the server (57P05)', pg('57P05', 'FATAL', 'idle-session timeout')],
    ['a database that does not exist (3D000)', pg('3D000', 'FATAL', 'database "crm" does not exist')],
    ['a role that may not log in (28000)', pg('28000', 'FATAL', 'role "hub" is not permitted to log in')],
    ['a wrong password (28P01)', pg('28P01', 'FATAL', 'password authentication failed for user "hub"')],
    [
      'any other session the server ended (FATAL)',
      pg('25P03', 'FATAL', 'terminating connection due to idle-in-transaction timeout'),
    ],
    ['the hub-store not open in time', new StoreUnavailableError('the hub store is not open yet')],
    [
      'a wrapped refusal, as the store wraps its open',
      new Error('could not create tables', {
        cause: pg('55000', 'FATAL', 'database "crm" is not currently accepting connections'),
      }),
    ],
  ])('holds for %s', (_, err) => expect(isStoreUnavailable(err)).toBe(true));

  it.each([
    [
      'object not in prerequisite state within a session (55000 as an ERROR)',
      pg('55000', 'ERROR', 'currval of sequence "s" is not yet defined in this session', 'currval_oid'),
    ],
    ['a unique violation', pg('23505', 'ERROR', 'duplicate key value violates unique constraint')],
    ['an invalid value', pg('22P02', 'ERROR', 'invalid input syntax for type integer')],
    ['a value too long', pg('22001', 'ERROR', 'value too long for type character varying(200)')],
    ['a syntax error', pg('42601', 'ERROR', 'syntax error at or near "x"')],
    ['a code of some other library', Object.assign(new Error('x'), { code: 'store-closed' })],
  ])('does not hold for %s', (_, err) => expect(isStoreUnavailable(err)).toBe(false));

  it('a StoreUnavailableError carries the code a Catch node routes on', () => {
    const err = new StoreUnavailableError('away', { cause: new Error('driver') });
    expect(err).toMatchObject({ name: 'StoreUnavailableError', code: 'store-unavailable', message: 'away' });
    expect(Object.keys(err)).toContain('code');
  });
});
