import path from 'node:path';
import type { Node, NodeDef } from 'node-red';
import { createStore } from '../../records/create-store';
import type { IdempotencyRetention } from '../../records/idempotency-retention';
import type { HubStore } from '../../records/store';
import { StoreOpening } from '../../records/store-opening';
import { hubRuntime } from '../shared/hub-runtime';
import { migrate } from '../shared/migrate';
import { ensureHubRoutes } from '../shared/mount';
import { configuredValue, errorMessage, type RED } from '../shared/red';
import { MisconfiguredError } from '../shared/misconfigured';
import { passwordOf, savedInFlow, urlHoldsSecret, withoutSecret } from '../shared/secrets-in-flow';
import { idempotencyWindowDays, startIdempotencySweep } from './idempotency-sweep';
import { migrations } from './migrations';
import { storeUsers } from './store-users';

export interface HubStoreDef extends NodeDef {
  databaseUrl: string;
  directory: string;
  /** days the idempotency entries are kept; empty: settings.js crmHub.idempotencyRetentionDays */
  retentionDays?: string;
}

export interface HubStoreNode extends Node<{ password?: string }> {
  store: HubStore;
  /**
   * Resolves once the store is open. A queue consumer awaits it: its messages wait for a database
   * that is not up yet rather than fail. It rejects (code store-unavailable) when the node closes
   * before the store opened, so a redeploy leaves nobody waiting.
   */
  ready: Promise<HubStore>;
  /**
   * The store for a caller that waits for an answer (a request at contact time): a
   * StoreUnavailableError (code store-unavailable) at once while the store retries after a failed
   * open, as the REST API answers 503 then, and after STORE_WAIT_MS while its first open still runs.
   */
  readyForCaller(): Promise<HubStore>;
  /** the sweep of the idempotency tables, once the store is open; none while its window is invalid */
  retention?: IdempotencyRetention;
  /**
   * A node that still writes to the store while it closes (amqp-in records the messages it drains)
   * registers, and deregisters once it is done; on a redeploy the store closes only after its last
   * user left (bounded by closeWaitMs), like Node-RED's mqtt-broker with its clients.
   */
  register(user: Node): void;
  deregister(user: Node): void;
}

export function withPassword(url: string, password: string | undefined): string {
  if (!url || !password) return url;
  const parsed = new URL(url);
  parsed.password = encodeURIComponent(password);
  return parsed.toString();
}

export default function (RED: RED) {
  ensureHubRoutes(RED);

  function HubStoreConfig(this: HubStoreNode, saved: HubStoreDef) {
    RED.nodes.createNode(this, saved);
    const config = migrate<HubStoreDef>(saved, migrations);
    // still used, so an upgraded deployment keeps running; the editor marks it invalid
    if (urlHoldsSecret(savedInFlow(config.databaseUrl))) this.warn(RED._('hub-store.log.secret-in-flow'));
    const userDir = (RED.settings as unknown as { userDir?: string }).userDir ?? process.cwd();
    const directory = path.resolve(userDir, config.directory || 'crm-hub-store');
    const makeStore = () =>
      createStore({
        databaseUrl: withPassword(configuredValue(config.databaseUrl), this.credentials?.password),
        directory,
      });
    // Node-RED drops a config node whose constructor throws, and the nodes using it then let every
    // message vanish without a word; settings it cannot use (a URL of another database) fail each use
    // instead, through `ready`, and /healthz reports the store as failing.
    let unusable: string | undefined;
    /** why the last attempt to open failed, for /healthz (driver errors name no password) */
    let lastOpenError: string | undefined;
    let opening: StoreOpening<HubStore> | undefined;
    try {
      // A database that is not up yet is retried with backoff (StoreOpening says who waits how long).
      opening = new StoreOpening({
        make: () => (this.store = makeStore()),
        onRetry: (delayMs, err) => {
          lastOpenError = withoutSecret(errorMessage(err), [
            this.credentials?.password,
            passwordOf(configuredValue(config.databaseUrl)),
          ]);
          this.warn(RED._('hub-store.log.retrying', { seconds: delayMs / 1000, error: lastOpenError }));
        },
        notOpen: RED._('hub-store.errors.not-open'),
        closed: RED._('hub-store.errors.closed'),
      });
      this.log(RED._('hub-store.log.using', { store: this.store.describe() }));
    } catch (err) {
      unusable = errorMessage(err);
      this.error(RED._('hub-store.log.unusable', { error: unusable }));
    }
    let closed = false;
    const days = idempotencyWindowDays(RED, this, config.retentionDays);
    const users = storeUsers(RED, this);
    this.register = users.register;
    this.deregister = users.deregister;

    this.ready = opening
      ? opening.ready
      : Promise.reject(
          new MisconfiguredError(
            RED._('hub-store.log.unusable', { error: unusable ?? '' }),
            RED._('hub-store.status.unusable'),
          ),
        );
    this.readyForCaller = () => (opening ? opening.forCaller() : this.ready);
    this.ready.then(
      (store) => {
        // a redeploy may have closed this node while the store was opening
        if (closed) return;
        hubRuntime.addStore(this.id, store);
        if (days === undefined) return;
        startIdempotencySweep(RED, this, store, days);
      },
      () => undefined, // each user awaits ready and fails with the reason itself
    );
    const probe = async () => {
      if (unusable !== undefined)
        return {
          id: this.id,
          name: config.name || 'hub-store',
          kind: 'unusable',
          ok: false,
          state: 'failing',
          detail: unusable,
        };
      const h = await this.store.health();
      return {
        id: this.id,
        name: config.name || h.kind,
        kind: h.kind,
        ok: h.ok,
        state: h.ok ? 'open' : 'failing',
        detail:
          h.ok || lastOpenError === undefined ? h.detail : `${h.detail} (last attempt: ${lastOpenError})`,
      };
    };
    // the REST API tells "misconfigured" from "not open yet" by it
    hubRuntime.health.addStore(this.id, probe, { unusable: unusable !== undefined });

    this.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      // whoever still waits for the store to open (a queued message, a sweep) fails and lets go
      const store = opening?.close();
      hubRuntime.health.remove(this.id);
      hubRuntime.removeStore(this.id);
      // the store closes after its registered users (store-users.ts), bounded by closeWaitMs
      void users
        .gone()
        .then(() => this.retention?.stop())
        .then(() => store?.close())
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
