import { createRequire } from 'node:module';
import path from 'node:path';
import {
  editorLogin,
  type EditorLogin,
  type EditorLoginOptions,
  type EditorTokens,
  type EditorUser,
} from '../../app/api/editor-login';

/**
 * The editor's log-in (app/api/editor-login.ts) bound to the running Node-RED: settings.js calls this
 * with its adminAuth when Node-RED reads httpAdminMiddleware, as it sets up the admin app.
 *
 * The token must come from the token store Node-RED initialised (auth.init) and checks bearer tokens
 * against, or the editor would get a token that opens nothing. That store is a module's state, so it
 * is found where Node-RED's own `require` finds it (from node-red's directory), and only taken when
 * that very file is already loaded: a copy of editor-api elsewhere would be a store of its own. When
 * it is not there the start fails, with the file named, rather than every log-in.
 */
export function nodeRedEditorLogin(adminAuth: unknown): EditorLogin {
  return editorLogin({ users: credentialUsers(adminAuth), ...nodeRedAuth() });
}

type NodeRedParts = Pick<EditorLoginOptions, 'tokens' | 'hasPermission' | 'audit'>;

export function nodeRedAuth(load: NodeJS.Require = createRequire(__filename)): NodeRedParts {
  const nodeRedDir = path.dirname(load.resolve('node-red'));
  const tokensFile = load.resolve('@node-red/editor-api/lib/auth/tokens', { paths: [nodeRedDir] });
  const authDir = path.dirname(tokensFile);
  const tokens = loaded<Partial<EditorTokens>>(load, tokensFile);
  if (typeof tokens.create !== 'function') throw missing(tokensFile, 'has no create()');
  const permissionsFile = load.resolve('./permissions', { paths: [authDir] });
  const permissions = loaded<{ hasPermission?: unknown }>(load, permissionsFile);
  const hasPermission = permissions.hasPermission;
  if (typeof hasPermission !== 'function') throw missing(permissionsFile, 'has no hasPermission()');
  const utilFile = load.resolve('@node-red/util', { paths: [authDir] });
  const log = loaded<{ log?: { audit?: unknown } }>(load, utilFile).log;
  const audit = log?.audit;
  if (typeof audit !== 'function') throw missing(utilFile, 'has no log.audit()');
  const create = tokens.create.bind(tokens);
  return {
    tokens: { create },
    hasPermission: (userScope, scope) => hasPermission(userScope, scope) === true,
    audit: (event) => {
      audit.call(log, event);
    },
  };
}

/** the module's exports, from the cache only: the instance Node-RED loaded, or none */
function loaded<T>(load: NodeJS.Require, file: string): T {
  const entry = load.cache[file];
  if (!entry) throw missing(file, 'is not loaded by Node-RED, so its state is not the one Node-RED uses');
  return entry.exports as T;
}

function missing(file: string, why: string): Error {
  return new Error(
    `CRM Hub answers the editor's log-in (/auth/token) with Node-RED's own token store, but ${file} ${why}; ` +
      'run the hub with the node-red ~4.1 it is installed with (npm ci)',
  );
}

/** settings.js's adminAuth: `type: 'credentials'` with a list of users, each with a bcrypt hash */
export function credentialUsers(adminAuth: unknown): EditorUser[] {
  const auth = (typeof adminAuth === 'object' && adminAuth !== null ? adminAuth : {}) as {
    type?: unknown;
    users?: unknown;
  };
  if (auth.type !== 'credentials' || !Array.isArray(auth.users)) {
    throw new Error("the editor's log-in needs adminAuth of type 'credentials' with a list of users");
  }
  return auth.users.map((entry: unknown) => {
    const user = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    if (typeof user.username !== 'string' || typeof user.password !== 'string') {
      throw new Error("each of adminAuth's users needs a username and a password (a bcrypt hash)");
    }
    return { username: user.username, password: user.password, permissions: user.permissions };
  });
}
