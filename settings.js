// Node-RED settings for CRM Hub. Everything a deployment changes comes from the environment, so this
// file holds no secrets and is the same on every machine. See the configuration table in README.md.
const path = require('node:path');

const HUB_ENDPOINT = /^\/(?:soap\/|api\/v1\/|(?:healthz|readyz|livez|metrics)(?:[/?]|$))/;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);
const host = process.env.HOST || '127.0.0.1';
const port = portFrom(process.env.PORT);
const logLevel = logLevelFrom(process.env.CRM_HUB_LOG_LEVEL);
const baseCurrency = currencyFrom(process.env.CRM_HUB_BASE_CURRENCY);
const bodyMaxBytes = bodyMaxBytesFrom(process.env.CRM_HUB_BODY_MAX_BYTES);
const trustProxy = trustProxyFrom(process.env.CRM_HUB_TRUST_PROXY);
// a log-in (Node-RED's /auth/token, the console's) and the console's writes are a few hundred bytes
const SMALL_BODY_PATH = /^\/(?:console|auth)(?:[/?]|$)/i;
const SMALL_BODY_BYTES = 16 * 1024;
maxFutureFrom(process.env.CRM_HUB_MAX_FUTURE_SECONDS);
const adminUser = process.env.CRM_HUB_ADMIN_USER || '';
const adminPassword = process.env.CRM_HUB_ADMIN_PASSWORD || '';
const adminPasswordHash = process.env.CRM_HUB_ADMIN_PASSWORD_HASH || '';

const marketerUser = process.env.CRM_HUB_MARKETER_USER || '';
const marketerPassword = process.env.CRM_HUB_MARKETER_PASSWORD || '';
const marketerPasswordHash = process.env.CRM_HUB_MARKETER_PASSWORD_HASH || '';

// Refused here rather than left to Node-RED: with a port it cannot use it logs the failure, then runs
// the flows without HTTP (consuming queues while no one can reach the hub).
function portFrom(value) {
  if (!value) return 1880;
  const parsed = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
  if (!(parsed >= 1 && parsed <= 65535)) {
    throw new Error(`PORT must be a whole number from 1 to 65535, got ${JSON.stringify(value)}`);
  }
  return parsed;
}

// Node-RED takes an unknown level silently as info: an operator who asked for `debug` would look for
// lines that never come, and one who typed `warning` would still get every info line.
function logLevelFrom(value) {
  if (!value) return 'info';
  const levels = ['off', 'fatal', 'error', 'warn', 'info', 'debug', 'trace'];
  if (!levels.includes(value)) {
    throw new Error(`CRM_HUB_LOG_LEVEL must be one of ${levels.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value;
}

// The currency of a policy card's money threshold that names none (policies/money.ts reads the same
// variable): refused at start, or every card would fail to compile with it.
function currencyFrom(value) {
  const code = (value || '').trim();
  if (!code) return 'EUR';
  if (!Intl.supportedValuesOf('currency').includes(code)) {
    throw new Error(
      `CRM_HUB_BASE_CURRENCY must be an ISO 4217 currency code such as EUR, CHF or USD, got ${JSON.stringify(value)}`,
    );
  }
  return code;
}

// The largest body the editor's admin API (a deploy: the shipped flows are 60 KB) and a flow's `http in`
// endpoints take (Node-RED's apiMaxLength, 5 MB by its default).
function bodyMaxBytesFrom(value) {
  if (!value) return 1024 * 1024;
  const parsed = /^\d{1,10}$/.test(value) ? Number(value) : NaN;
  if (!(parsed >= 1024)) {
    throw new Error(
      `CRM_HUB_BODY_MAX_BYTES must be a whole number of bytes, at least 1024, got ${JSON.stringify(value)}`,
    );
  }
  return parsed;
}

// Behind a reverse proxy every client comes from the proxy's address, so the log-in limits
// (app/console/login-limiter.ts) would count them all as one. Express's `trust proxy` then takes the
// client's address from X-Forwarded-For: a number of proxies, or their addresses and subnets; never
// `true`, which would let any client name its own address and escape the limits.
function trustProxyFrom(value) {
  if (!value) return undefined;
  if (/^\d{1,2}$/.test(value)) return Number(value);
  const parts = value.split(',').map((part) => part.trim());
  if (parts.every((part) => /^(?:loopback|linklocal|uniquelocal|[0-9A-Fa-f:.]+(?:\/\d{1,3})?)$/.test(part)))
    return parts.join(',');
  throw new Error(
    'CRM_HUB_TRUST_PROXY must be the number of reverse proxies in front of the hub, or their addresses ' +
      `or subnets separated by commas (loopback, 10.0.0.0/8), got ${JSON.stringify(value)}`,
  );
}

// How far an event's occurredAt may lie ahead of the clock (mappings/canonical/event-check.ts reads
// the same variable): refused at start, or a typo would silently fall back to the default.
function maxFutureFrom(value) {
  const text = (value || '').trim();
  if (!text) return 300;
  if (!/^\d{1,9}$/.test(text)) {
    throw new Error(
      `CRM_HUB_MAX_FUTURE_SECONDS must be a whole number of seconds (0 or more), got ${JSON.stringify(value)}`,
    );
  }
  return Number(text);
}

// Half a pair would otherwise leave its user out without a word: the editor or the REST and SOAP
// endpoints would start open, and the integrator would believe them protected.
function halfPair(role) {
  const user = `CRM_HUB_${role}_USER`;
  const secrets = [`CRM_HUB_${role}_PASSWORD`, `CRM_HUB_${role}_PASSWORD_HASH`];
  const given = secrets.filter((name) => process.env[name]);
  if (process.env[user] && given.length === 0)
    return `${user} is set but neither ${secrets[0]} nor ${secrets[1]}; set one, or unset ${user}`;
  if (!process.env[user] && given.length > 0)
    return `${given[0]} is set but ${user} is not; set ${user}, or unset ${given[0]}`;
  return undefined;
}
const halfPairs = ['ADMIN', 'MARKETER', 'API'].map(halfPair).filter(Boolean);
if (halfPairs.length > 0) throw new Error(halfPairs.join('. '));

// $2$, $2a$, $2b$ and $2y$ are the versions bcryptjs (which Node-RED compares with) reads.
const BCRYPT_HASH = /^\$2[aby]?\$\d\d\$[./A-Za-z0-9]{53}$/;
const BCRYPT_MAX_BYTES = 72;

// Node-RED compares against a bcrypt hash; hashing a plain password here keeps the env simple. A
// _HASH variable holding anything else would match no password and lock its user out in silence, so
// it is refused at start (without echoing the value, which may well be the password itself).
function bcryptHash(password, hash, role) {
  if (hash && !BCRYPT_HASH.test(hash)) {
    throw new Error(
      `CRM_HUB_${role}_PASSWORD_HASH must be a bcrypt hash such as $2b$10$…; ` +
        `to give a plain password use CRM_HUB_${role}_PASSWORD`,
    );
  }
  // bcrypt reads the first 72 bytes only: a longer password would be taken with any tail at all
  const bytes = Buffer.byteLength(password);
  if (!hash && bytes > BCRYPT_MAX_BYTES) {
    throw new Error(
      `CRM_HUB_${role}_PASSWORD is ${bytes} bytes long (UTF-8), but bcrypt reads only the first ` +
        `${BCRYPT_MAX_BYTES}, so any text after them would be accepted; use a password of at most ${BCRYPT_MAX_BYTES} bytes`,
    );
  }
  return hash || require('bcryptjs').hashSync(password, 10);
}
const adminHash =
  adminUser && (adminPassword || adminPasswordHash)
    ? bcryptHash(adminPassword, adminPasswordHash, 'ADMIN')
    : '';

function adminAuth() {
  if (!adminHash) return undefined;
  return { type: 'credentials', users: [{ username: adminUser, password: adminHash, permissions: '*' }] };
}

// The policy console's users (see README.md, "Policy console"): the admin as integrator, and the
// marketer, who logs in to the console only. The marketer is deliberately not among adminAuth's users,
// so /auth/token never gives them an editor token.
function consoleUsers() {
  const users = [];
  if (adminHash) users.push({ username: adminUser, passwordHash: adminHash, role: 'integrator' });
  if (marketerUser && (marketerPassword || marketerPasswordHash)) {
    if (marketerUser === adminUser)
      throw new Error('CRM_HUB_MARKETER_USER must differ from CRM_HUB_ADMIN_USER');
    const passwordHash = bcryptHash(marketerPassword, marketerPasswordHash, 'MARKETER');
    users.push({ username: marketerUser, passwordHash, role: 'marketer' });
    if (!adminHash) {
      console.warn('CRM Hub: a marketer is set but no CRM_HUB_ADMIN_USER, so the editor has no log-in');
    }
  }
  return users;
}

// Node-RED's own check for `{ user, pass }` refuses in plain text; the REST API and /healthz answer
// their refusals as JSON like every other error (app/api/api-auth.ts), with the same challenge. The mark
// tells the fast paths (nodes/shared/fast-path-mount.ts) that it accepts what Node-RED's check accepts.
function apiAuth() {
  const user = process.env.CRM_HUB_API_USER || '';
  const password = process.env.CRM_HUB_API_PASSWORD || '';
  const hash = process.env.CRM_HUB_API_PASSWORD_HASH || '';
  if (!user || !(password || hash)) return undefined;
  const pass = bcryptHash(password, hash, 'API');
  let check;
  function apiUser(req, res, next) {
    check = check || hubModule('app/api/api-auth').apiBasicAuth(user, pass);
    return check(req, res, next);
  }
  apiUser.hubBasicAuth = true;
  return apiUser;
}

// The editor and its admin API sit at /, so Node-RED walks every admin route before it reaches the
// node endpoints. The hub's own endpoints have no admin route: send them straight on (they keep a rule
// of their own, nodes/shared/mount.ts). The mark tells the next best offer's fast path
// (nodes/shared/fast-path-mount.ts) that of the admin app only its CORS header applies to them.
// Without adminAuth anyone who reaches the editor runs code on this machine, so it serves this machine
// only and takes no write from another site's page (app/api/local-only.ts, as the console does).
// Node-RED's admin app parses bodies after this and before any credential is checked, so their size,
// encoding and nesting are checked here first (app/api/body-guard.ts).
function passHubEndpoints(req, res, next) {
  if (HUB_ENDPOINT.test(req.url)) return next('router');
  if (editorLogin) return guardAdminBodies(req, res, (err) => editorLogin(req, res, next, err));
  const guarded = (err) => (err === undefined ? guardAdminBodies(req, res, next) : next(err));
  if (auth) return guarded();
  return hubModule('app/api/local-only').adminLocalOnly(req, res, guarded);
}
passHubEndpoints.passesHubEndpoints = true;

// With adminAuth the hub answers the editor's log-in, POST /auth/token, itself (after the body guard,
// before Node-RED's route): Node-RED refuses the 6th attempt for a user name from anywhere within 10
// minutes, so anyone could keep the admin out of the editor. See nodes/shared/editor-login-mount.ts.
let editorLogin;
function adminMiddleware() {
  // Loaded when Node-RED reads httpAdminMiddleware to set up its admin app (after `crm-hub start` built
  // dist/, and with Node-RED's token store loaded): a store that cannot be found stops the start.
  if (auth && !editorLogin)
    editorLogin = hubModule('nodes/shared/editor-login-mount').nodeRedEditorLogin(auth);
  return passHubEndpoints;
}

let adminBodies;
function guardAdminBodies(req, res, next) {
  adminBodies =
    adminBodies ||
    hubModule('app/api/body-guard').guardBodies({
      limitFor: (r) => (SMALL_BODY_PATH.test(r.url) ? SMALL_BODY_BYTES : bodyMaxBytes),
      // Node-RED's parsers after the guard take bodyMaxBytes: a chunked log-in form must be counted here
      strictFor: (r) => SMALL_BODY_PATH.test(r.url),
    });
  return adminBodies(req, res, next);
}

// Each `http in` node parses its body as the admin app does, after httpNodeAuth (if any): the same check.
let nodeBodies;
function guardNodeBodies(req, res, next) {
  nodeBodies = nodeBodies || hubModule('app/api/body-guard').guardBodies({ limitFor: () => bodyMaxBytes });
  return nodeBodies(req, res, next);
}

// A module of the hub's, from the sources where a TypeScript loader resolves them (the tests), else from
// dist/. Not at load time: `crm-hub start` reads this file before it builds dist/.
function hubModule(name) {
  let file;
  try {
    file = require.resolve(`./${name}`);
  } catch {
    file = require.resolve(`./dist/${name}.js`);
  }
  return require(file);
}

const auth = adminAuth();
const nodeAuth = apiAuth();
if (!LOOPBACK.has(host) && (!auth || !nodeAuth)) {
  // Refuse rather than warn: an editor open to the network runs arbitrary code, and the REST and SOAP
  // endpoints serve customer data.
  throw new Error(
    `CRM Hub refuses to listen on ${host} without credentials. Set CRM_HUB_ADMIN_USER and ` +
      'CRM_HUB_ADMIN_PASSWORD (editor) and CRM_HUB_API_USER and CRM_HUB_API_PASSWORD (REST, SOAP, probes, /metrics), ' +
      'or use HOST=127.0.0.1.',
  );
}

module.exports = {
  uiHost: host,
  uiPort: port,
  userDir: process.env.CRM_HUB_USER_DIR || path.join(__dirname, '.node-red'),
  // Loads this package's nodes (and its examples) as a Node-RED module without installing it.
  nodesDir: [__dirname],
  flowFile: 'flows.json',
  flowFilePretty: true,
  // Unset means Node-RED generates one and keeps it in the user directory; production sets its own.
  credentialSecret: process.env.CRM_HUB_CREDENTIAL_SECRET || undefined,
  adminAuth: auth,
  httpNodeAuth: nodeAuth,
  apiMaxLength: bodyMaxBytes,
  httpServerOptions: trustProxy === undefined ? undefined : { 'trust proxy': trustProxy },
  get httpAdminMiddleware() {
    return adminMiddleware();
  },
  httpNodeMiddleware: guardNodeBodies,
  paletteCategories: [
    'CRM Hub',
    'subflows',
    'common',
    'function',
    'network',
    'sequence',
    'parser',
    'storage',
  ],
  editorTheme: {
    page: { title: 'CRM Hub' },
    header: { title: 'CRM Hub' },
    // Projects stay off (Node-RED's default); `enabled: false` would only add a warning to every start.
    projects: {},
    tours: false,
  },
  diagnostics: { enabled: true, ui: false },
  runtimeState: { enabled: false, ui: false },
  telemetry: { enabled: false },
  logging: { console: { level: logLevel, metrics: false, audit: false } },
  exportGlobalContextKeys: false,
  externalModules: { autoInstall: false, palette: { allowInstall: false }, modules: { allowInstall: false } },
  functionExternalModules: false,
  crmHub: {
    soapMaxBytes: Number(process.env.CRM_HUB_SOAP_MAX_BYTES || 1024 * 1024),
    // days a processed event id and an event digest are kept; a hub-store's own field wins
    idempotencyRetentionDays: process.env.CRM_HUB_IDEMPOTENCY_RETENTION_DAYS || 30,
    baseCurrency,
    // amqp-in: how long a node without done (core switch …) may take to send a message on before it counts as dropped
    doneLessGraceMs: Number(process.env.CRM_HUB_DONELESS_GRACE_MS || 1000),
    consoleUsers: consoleUsers(),
  },
};
