import type { Request, Response } from 'express';
import { addressOf, switchError } from '../../app/api/policies-api';
import { UnknownPolicyError } from '../../policies/registry';
import { hubRuntime } from '../shared/hub-runtime';
import { firstTimeFor } from '../shared/once';
import type { RED } from '../shared/red';
import { ensurePolicyEditorRoutes } from './editor-routes';

/**
 * The policy node's button: POST /crm-hub/policies/:policyId/state {"enabled": bool} on the admin API
 * (behind the editor's own auth). It goes through the same switch and audit trail as the REST API and
 * records the editor user (anonymous@<address> when the editor has no login) with via "editor".
 */
export function ensurePolicySwitchRoute(RED: RED): void {
  // the policy dialog's plain language and dry-run, and the CRM Hub sidebar, sit beside the switch
  ensurePolicyEditorRoutes(RED);
  const admin = RED.httpAdmin;
  if (!admin || !firstTimeFor(admin, 'policy-switch-route')) return;
  // '/enabled' is the path editors loaded before the audit existed still post to
  admin.post(
    ['/crm-hub/policies/:policyId/state', '/crm-hub/policies/:policyId/enabled'],
    RED.auth.needsPermission('crm-hub.write'),
    (req: Request, res: Response) => {
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
      const policyId = req.params.policyId;
      const remoteAddress = addressOf(req);
      const user = (req as Request & { user?: { username?: unknown } }).user?.username;
      hubRuntime.policyRegistry
        .setEnabled(policyId, enabled, {
          user: typeof user === 'string' && user ? user : `anonymous@${remoteAddress ?? 'unknown'}`,
          via: 'editor',
          ...(remoteAddress ? { remoteAddress } : {}),
        })
        // no audit entry: the policy already was in that state, and nothing changed
        .then((audit) =>
          res.json({
            policyId,
            enabled,
            previous: audit ? audit.previous : enabled,
            changed: audit !== undefined,
            ...(audit ? { audit } : {}),
          }),
        )
        .catch((err: unknown) => {
          if (err instanceof UnknownPolicyError) {
            res.status(404).json({ error: 'unknown-policy', message: err.message, field: 'policyId' });
            return;
          }
          const refused = switchError(err, policyId, enabled);
          res.set(refused.headers).status(refused.status).json(refused.body());
        });
    },
  );
}
