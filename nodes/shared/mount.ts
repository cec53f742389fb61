import type { Request, Response } from 'express';
import { createHealthHandler, createHubApi } from '../../app/api/hub-api';
import { hubRuntime } from './hub-runtime';
import type { RED } from './red';
import { firstTimeFor } from './once';

/**
 * Mounts the hub's HTTP surface once per Node-RED process: /healthz, /api/v1, /soap on the node
 * server, and the policy switch on the admin API (behind the editor's own auth). Called by every
 * CRM Hub node module at load time, so it also works when the package sits in a stock Node-RED.
 */
export function ensureHubRoutes(RED: RED): void {
  const app = RED.httpNode;
  if (!app || !firstTimeFor(app, 'hub-routes')) return;

  hubRuntime.logError = (message) => RED.log.error(message);
  app.get('/healthz', createHealthHandler(hubRuntime.health));
  app.use('/api/v1', createHubApi({ store: () => hubRuntime.store(), health: hubRuntime.health }));
  app.use('/soap', (req: Request, res: Response) => void hubRuntime.soap.handle(req, res));

  // The runtime's event emitter outlives HTTP apps (tests create a new app per load): listen once.
  if (firstTimeFor(RED.events, 'flow-state')) {
    RED.events.on('flows:started', () => hubRuntime.health.setFlowState('started'));
    RED.events.on('flows:stopped', () => hubRuntime.health.setFlowState('stopped'));
  }

  RED.httpAdmin.post(
    '/crm-hub/policies/:policyId/enabled',
    RED.auth.needsPermission('crm-hub.write'),
    (req: Request, res: Response) => {
      // Node-RED's admin app parses JSON bodies itself (up to apiMaxLength); the switch needs 1 kB at most
      if (Number(req.headers['content-length'] ?? 0) > 1024) {
        res
          .status(413)
          .json({ error: 'too-large', message: 'the body of a policy switch is {"enabled": true|false}' });
        return;
      }
      const enabled = (req.body as { enabled?: unknown } | undefined)?.enabled;
      if (typeof enabled !== 'boolean') {
        res
          .status(400)
          .json({ error: 'invalid-body', message: 'body must be {"enabled": true|false}', field: 'enabled' });
        return;
      }
      hubRuntime.policies
        .setEnabled(req.params.policyId, enabled)
        .then(() => res.json({ policyId: req.params.policyId, enabled }))
        .catch((err: Error) => res.status(500).json({ error: 'store-failed', message: err.message }));
    },
  );
}
