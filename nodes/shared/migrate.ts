/**
 * Versions of a node's saved configuration (zachowj's migrations, in small). Every node's editor
 * defaults carry `version`; a flow saved by an older version has a lower one, or none at all (saved
 * before versions existed, read as 0). The runtime passes the saved config through each later step
 * before it reads a field, so flows saved today still load after a node changes.
 */
export type SavedConfig = Record<string, unknown>;

export interface Migration {
  /** the version this step produces; steps are listed in ascending order, starting at 1 */
  version: number;
  up: (config: SavedConfig) => SavedConfig;
  /** what the step means for a config saved before it; the log says so when a deployment migrates one */
  note?: string;
}

/**
 * Where migrations are told (the runtime's log, set when a node module loads): an operator who
 * upgraded learns which saved nodes changed and what that means. Each node's migration is told once
 * per process, not at every redeploy of the same flow.
 */
let migrationLog: ((line: string) => void) | undefined;
const told = new Set<string>();

export function logMigrationsWith(log: (line: string) => void): void {
  migrationLog = log;
}

function tell(config: SavedConfig, from: number, migrations: readonly Migration[]): void {
  const current = currentVersion(migrations);
  const id = typeof config.id === 'string' ? config.id : '';
  if (!migrationLog || !id || from >= current) return;
  const key = `${id}:${from}:${current}`;
  if (told.has(key)) return;
  told.add(key);
  const type = typeof config.type === 'string' ? config.type : 'node';
  const name = typeof config.name === 'string' && config.name ? config.name : id;
  const notes = migrations.filter((m) => m.version > from && m.note).map((m) => `v${m.version}: ${m.note}`);
  migrationLog(
    `CRM Hub: ${type} "${name}" (${id}) was saved by an older version: its config is read as version ` +
      `${current} (was ${from})${notes.length ? `. ${notes.join('; ')}` : ''}`,
  );
}

/** The first version of every node: nothing changed but that the config now says which version it is. */
export const FIRST_VERSION: Migration = { version: 1, up: (config) => config };

export function currentVersion(migrations: readonly Migration[]): number {
  return migrations.length ? migrations[migrations.length - 1].version : 0;
}

export function savedVersion(config: SavedConfig): number {
  const v = Number(config.version);
  return Number.isInteger(v) && v >= 0 ? v : 0;
}

export class ConfigVersionError extends Error {
  readonly kind = 'config-version';
  constructor(saved: number, current: number) {
    super(`the node was saved by a newer CRM Hub (config version ${saved}, this one knows up to ${current})`);
    this.name = 'ConfigVersionError';
  }
}

/** Runs the steps after the saved version; returns a new object, the saved one is left as it was. */
export function migrate<C extends object>(config: C | SavedConfig, migrations: readonly Migration[]): C {
  const current = currentVersion(migrations);
  let out: SavedConfig = { ...(config as SavedConfig) };
  const from = savedVersion(out);
  if (from > current) throw new ConfigVersionError(from, current);
  for (const step of migrations) {
    if (step.version <= from) continue;
    out = { ...step.up(out), version: step.version };
  }
  keepHidden(config as SavedConfig, out);
  tell(out, from, migrations);
  return out as C;
}

/**
 * Node-RED hands a constructor its flow, module and path as non-enumerable properties of the config
 * (`_flow`, `_module`, `_path`), which a spread leaves behind. Without `_flow` a node created from the
 * migrated config cannot log, and its errors never reach a Catch node.
 */
function keepHidden(saved: SavedConfig, out: SavedConfig): void {
  for (const key of Object.getOwnPropertyNames(saved)) {
    const descriptor = Object.getOwnPropertyDescriptor(saved, key);
    if (descriptor && !descriptor.enumerable && !Object.hasOwn(out, key))
      Object.defineProperty(out, key, descriptor);
  }
}
