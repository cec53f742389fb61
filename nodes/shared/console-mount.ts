import path from 'node:path';
import { consoleBodyErrors, createConsoleRouter } from '../../app/console/console-router';
import type { PoliciesBackend } from '../../app/api/policies-api';
import type { DefaultOffer, LurkingOffers, PolicySwitchedOff } from '../../records/customer-view';
import type { ServiceLevelRules } from '../../records/service-level';
import type { HubStore } from '../../records/store';
import { firstTimeFor } from './once';
import { errorMessage, type RED } from './red';

export interface ConsoleBackends {
  policies: () => PoliciesBackend | undefined;
  store: () => HubStore | undefined;
  /** the health probes, which know a deployed hub-store that is not open */
  health: { storeDeployed(): boolean };
  lurking: LurkingOffers;
  switchedOff: PolicySwitchedOff;
  defaultOffer: () => DefaultOffer | undefined;
  serviceLevelRules: () => ServiceLevelRules;
}

/**
 * The marketers' policy console at /console on the admin app (beside the editor, not behind
 * httpNodeAuth), once per app. Its users come from settings.js `crmHub.consoleUsers`; it has its own
 * log-in and session cookie, which the editor and the admin API never accept.
 */
export function ensureConsoleRoutes(RED: RED, backends: ConsoleBackends): void {
  const admin = RED.httpAdmin;
  if (!admin || !firstTimeFor(admin, 'policy-console')) return;
  const users = (RED.settings as unknown as { crmHub?: { consoleUsers?: unknown } }).crmHub?.consoleUsers;
  try {
    admin.use(
      '/console',
      createConsoleRouter({
        ...backends,
        users,
        staticDir: consoleDir(),
        warn: (message) => RED.log.error(message),
      }),
      consoleBodyErrors(),
    );
    // Node-RED's editor app parses bodies before it hands a request to RED.httpAdmin, which it mounts
    // as a sub-app (errors skip those): its parser's refusals for /console are answered on that app.
    const editorApp = (admin as unknown as { parent?: { use?: unknown } }).parent;
    if (editorApp && typeof editorApp.use === 'function') {
      (editorApp as typeof admin).use('/console', consoleBodyErrors());
    }
  } catch (err) {
    RED.log.error(`policy console: ${errorMessage(err)}`);
  }
}

/** dist/console, from the compiled glue (dist/nodes/shared) and from the sources under test alike. */
function consoleDir(): string {
  const up = path.resolve(__dirname, '..', '..');
  return path.join(path.basename(up) === 'dist' ? up : path.join(up, 'dist'), 'console');
}
