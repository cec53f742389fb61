import path from 'node:path';
import type { Node, NodeDef } from 'node-red';
import { createStore } from '../../records/create-store';
import type { HubStore } from '../../records/store';
import { hubRuntime } from '../shared/hub-runtime';
import { ensureHubRoutes } from '../shared/mount';
import { configuredValue, errorMessage, type RED } from '../shared/red';

export interface HubStoreDef extends NodeDef {
  databaseUrl: string;
  directory: string;
}

export interface HubStoreNode extends Node<{ password?: string }> {
  store: HubStore;
  /** resolves once the store is open; every use awaits it */
  ready: Promise<HubStore>;
}

export function withPassword(url: string, password: string | undefined): string {
  if (!url || !password) return url;
  const parsed = new URL(url);
  parsed.password = encodeURIComponent(password);
  return parsed.toString();
}

export default function (RED: RED) {
  ensureHubRoutes(RED);

  function HubStoreConfig(this: HubStoreNode, config: HubStoreDef) {
    RED.nodes.createNode(this, config);
    const userDir = (RED.settings as unknown as { userDir?: string }).userDir ?? process.cwd();
    const directory = path.resolve(userDir, config.directory || 'crm-hub-store');
    this.store = createStore({
      databaseUrl: withPassword(configuredValue(config.databaseUrl), this.credentials?.password),
      directory,
    });
    this.log(`store: ${this.store.describe()}`);
    this.ready = this.store.open().then(() => this.store);
    this.ready.then(
      () => {
        hubRuntime.addStore(this.id, this.store);
        hubRuntime.policies.useStore(this.store);
      },
      (err: unknown) => this.error(`store could not be opened: ${errorMessage(err)}`),
    );
    hubRuntime.health.addStore(this.id, async () => {
      const h = await this.store.health();
      return {
        id: this.id,
        name: config.name || h.kind,
        kind: h.kind,
        ok: h.ok,
        state: h.ok ? 'open' : 'failing',
        detail: h.detail,
      };
    });

    this.on('close', (_removed: boolean, done: () => void) => {
      hubRuntime.health.remove(this.id);
      hubRuntime.removeStore(this.id);
      if (hubRuntime.store() === undefined) hubRuntime.policies.useStore(undefined);
      this.ready
        .then(() => this.store.close())
        .catch(() => undefined)
        .finally(() => done());
    });
  }

  RED.nodes.registerType<HubStoreNode, HubStoreDef, object, { password?: string }>(
    'hub-store',
    HubStoreConfig,
    { credentials: { password: { type: 'password' } } },
  );
}
