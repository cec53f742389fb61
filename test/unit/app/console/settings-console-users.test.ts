import { spawnSync } from 'node:child_process';
import path from 'node:path';
import bcrypt from 'bcryptjs';

const settingsFile = path.resolve(__dirname, '..', '..', '..', '..', 'settings.js');

interface Loaded {
  ok: boolean;
  out: string;
  consoleUsers?: { username: string; passwordHash: string; role: string }[];
  adminUsers?: string[];
}

/** Loads settings.js in a fresh process with the given environment, as `npm start` does. */
function load(env: Record<string, string>): Loaded {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('CRM_HUB_') && k !== 'HOST' && k !== 'PORT'),
  );
  const script =
    `const s = require(${JSON.stringify(settingsFile)}); console.log(JSON.stringify({ ` +
    'consoleUsers: s.crmHub.consoleUsers, adminUsers: (s.adminAuth?.users ?? []).map((u) => u.username) }))';
  const run = spawnSync(process.execPath, ['-e', script], { env: { ...clean, ...env }, encoding: 'utf8' });
  const last = run.stdout.trim().split('\n').at(-1) ?? '';
  return {
    ok: run.status === 0,
    out: run.stdout + run.stderr,
    ...(run.status === 0 ? JSON.parse(last) : {}),
  };
}

describe('settings.js crmHub.consoleUsers', () => {
  it('has no console users (no log-in) without credentials in the environment', () => {
    expect(load({})).toMatchObject({ ok: true, consoleUsers: [], adminUsers: [] });
  });

  it('makes the admin an integrator and the marketer a marketer, never an editor user', () => {
    const loaded = load({
      CRM_HUB_ADMIN_USER: 'admin',
      CRM_HUB_ADMIN_PASSWORD: 'admin-secret',
      CRM_HUB_MARKETER_USER: 'mia',
      CRM_HUB_MARKETER_PASSWORD: 'mia-secret',
    });
    expect(loaded.ok).toBe(true);
    expect(loaded.adminUsers).toEqual(['admin']);
    expect(loaded.consoleUsers?.map((u) => [u.username, u.role])).toEqual([
      ['admin', 'integrator'],
      ['mia', 'marketer'],
    ]);
    const [admin, mia] = loaded.consoleUsers!;
    expect(bcrypt.compareSync('admin-secret', admin.passwordHash)).toBe(true);
    expect(bcrypt.compareSync('mia-secret', mia.passwordHash)).toBe(true);
  });

  it('takes bcrypt hashes as they are from the _HASH variables', () => {
    const hash = bcrypt.hashSync('mia-secret', 4);
    const loaded = load({ CRM_HUB_MARKETER_USER: 'mia', CRM_HUB_MARKETER_PASSWORD_HASH: hash });
    expect(loaded.consoleUsers).toEqual([{ username: 'mia', passwordHash: hash, role: 'marketer' }]);
    expect(loaded.adminUsers).toEqual([]);
    expect(loaded.out).toContain('no CRM_HUB_ADMIN_USER');
  });

  it('refuses a marketer with the admin user name', () => {
    const loaded = load({
      CRM_HUB_ADMIN_USER: 'admin',
      CRM_HUB_ADMIN_PASSWORD: 'x',
      CRM_HUB_MARKETER_USER: 'admin',
      CRM_HUB_MARKETER_PASSWORD: 'y',
    });
    expect(loaded.ok).toBe(false);
    expect(loaded.out).toContain('CRM_HUB_MARKETER_USER must differ');
  });

  it('refuses a marketer without a password rather than leave them out in silence', () => {
    const loaded = load({ CRM_HUB_MARKETER_USER: 'mia' });
    expect(loaded.ok).toBe(false);
    expect(loaded.out).toContain('CRM_HUB_MARKETER_USER is set but neither CRM_HUB_MARKETER_PASSWORD');
  });
});
