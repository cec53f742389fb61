import bcrypt from 'bcryptjs';
import { ConsoleUsers, ConsoleUsersError, parseConsoleUsers } from '../../../../app/console/console-users';

const annaHash = bcrypt.hashSync('anna-secret', 4);
const benHash = bcrypt.hashSync('ben-secret', 4);
const users = [
  { username: 'anna', passwordHash: annaHash, role: 'marketer' },
  { username: 'ben', passwordHash: benHash, role: 'integrator' },
];

describe('parseConsoleUsers', () => {
  it('reads the users of settings.js, none when left out', () => {
    expect(parseConsoleUsers(users)).toEqual(users);
    expect(parseConsoleUsers(undefined)).toEqual([]);
    expect(parseConsoleUsers([])).toEqual([]);
  });

  it.each([
    ['not a list', { anna: annaHash }, 'must be a list'],
    ['no user name', [{ passwordHash: annaHash, role: 'marketer' }], 'username'],
    ['a plain password', [{ username: 'anna', passwordHash: 'anna-secret', role: 'marketer' }], 'bcrypt'],
    [
      'an unknown role',
      [{ username: 'anna', passwordHash: annaHash, role: 'admin' }],
      "role must be 'marketer'",
    ],
    ['a user twice', [users[0], users[0]], 'listed twice'],
  ])('refuses %s', (_name, value, message) => {
    expect(() => parseConsoleUsers(value)).toThrow(ConsoleUsersError);
    expect(() => parseConsoleUsers(value)).toThrow(message);
  });
});

describe('ConsoleUsers.verify', () => {
  const known = new ConsoleUsers(parseConsoleUsers(users));

  it('answers the user for the right password only', async () => {
    await expect(known.verify('anna', 'anna-secret')).resolves.toMatchObject({
      username: 'anna',
      role: 'marketer',
    });
    await expect(known.verify('ben', 'ben-secret')).resolves.toMatchObject({ role: 'integrator' });
    await expect(known.verify('anna', 'ben-secret')).resolves.toBeUndefined();
    await expect(known.verify('Anna', 'anna-secret')).resolves.toBeUndefined();
    await expect(known.verify('anna', '')).resolves.toBeUndefined();
    await expect(known.verify('anna', undefined)).resolves.toBeUndefined();
    await expect(known.verify(undefined, 'anna-secret')).resolves.toBeUndefined();
    await expect(known.verify('anna', 'x'.repeat(5000))).resolves.toBeUndefined();
  });

  it('runs bcrypt for an unknown user too, against a decoy with the users’ cost', async () => {
    const compare = jest.spyOn(bcrypt, 'compare');
    try {
      await expect(known.verify('nobody', 'anna-secret')).resolves.toBeUndefined();
      expect(compare).toHaveBeenCalledTimes(1);
      const decoy = String(compare.mock.calls[0][1]);
      expect(decoy).toMatch(/^\$2[aby]\$04\$/);
      expect(decoy).not.toBe(annaHash);
    } finally {
      compare.mockRestore();
    }
  });

  it('requires a log-in exactly when users are configured', () => {
    expect(known.required).toBe(true);
    expect(new ConsoleUsers([]).required).toBe(false);
  });
});
