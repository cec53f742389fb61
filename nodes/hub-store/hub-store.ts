import path from 'node:path';
import type { Node, NodeDef } from 'node-red';
import { createStore } from '../../records/create-store';
import { IdempotencyRetention, retentionDays } from '../../records/idempotency-retention';
import type { HubStore } from '../../records/store';
import { StoreOpening } from '../../records/store-opening';
import { hubRuntime } from '../shared/hub-runtime';
import { migrate } from '../shared/migrate';
import { ensureHubRoutes } from '../shared/mount';
import { configuredValue, errorMessage, type RED } from '../shared/red';
import { MisconfiguredError } from '../shared/misconfigured';
import { passwordOf, savedInFlow, urlHoldsSecret, withoutSecret } from '../shared/secrets-in-flow';
import { migrations } from './migrations';

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

/**
 * How long a closing node may wait for others: Node-RED gives every node nodeCloseTimeout (15 s by
 * default) to close, then logs "Close timed out" and goes on; a second less leaves time to finish.
 */
export function closeWaitMs(RED: RED): number {
  const nodeCloseTimeout = Number((RED.settings as { nodeCloseTimeout?: number }).nodeCloseTimeout) || 15000;
  return Math.max(nodeCloseTimeout - 1000, 0);
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
    let days: number | undefined;
    try {
      const setting = (RED.settings as unknown as { crmHub?: { idempotencyRetentionDays?: unknown } }).crmHub
        ?.idempotencyRetentionDays;
      days = retentionDays(config.retentionDays, setting);
    } catch (err) {
      // guessing a shorter window could forget ids a replay still needs: nothing is pruned until fixed
      this.error(RED._('hub-store.log.retention-invalid', { error: errorMessage(err) }));
    }
    const users = new Set<Node>();
    let lastUserLeft: (() => void) | undefined;

    this.register = (user) => {
      users.add(user);
    };
    this.deregister = (user) => {
      users.delete(user);
      if (users.size === 0) lastUserLeft?.();
    };

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
        const retention = (this.retention = new IdempotencyRetention(store, { days }));
        retention.start((result) => {
          if (result instanceof Error)
            this.warn(RED._('hub-store.log.prune-failed', { error: errorMessage(result) }));
          else if (result.processed + result.digests > 0)
            this.log(RED._('hub-store.log.pruned', { ...result, days }));
        });
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

    // A redeploy closes this node together with its users. amqp-in still records the messages it
    // drains; closing the store under it would leave them unrecorded, and the new deployment would
    // handle them again. So the store waits for its registered users, but no longer than closeWaitMs:
    // a stuck user must not hold up the redeploy.
    const usersGone = (): Promise<void> => {
      if (users.size === 0) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.warn(RED._('hub-store.log.users-still-open', { count: users.size }));
          resolve();
        }, closeWaitMs(RED));
        lastUserLeft = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    };

    this.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      // whoever still waits for the store to open (a queued message, a sweep) fails and lets go
      const store = opening?.close();
      hubRuntime.health.remove(this.id);
      hubRuntime.removeStore(this.id);
      void usersGone()
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
