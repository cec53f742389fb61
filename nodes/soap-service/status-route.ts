import type { Request, Response } from 'express';
import { firstTimeFor } from '../shared/once';
import type { RED } from '../shared/red';
import type { SoapServiceNode } from './soap-service';

/**
 * GET /crm-hub/soap-services/<config node id> tells the edit dialog whether the deployed service
 * serves its WSDL: config nodes have no status dot, so this is where a refused WSDL or operation shows.
 */
export function mountStatusRoute(RED: RED): void {
  const admin = RED.httpAdmin;
  if (!admin || !firstTimeFor(admin, 'soap-service-status')) return;
  admin.get(
    '/crm-hub/soap-services/:id',
    RED.auth.needsPermission('soap-service.read'),
    (req: Request, res: Response) => {
      const node = RED.nodes.getNode(req.params.id) as SoapServiceNode | null;
      if (!node || node.type !== 'soap-service') {
        res.status(404).json({ error: 'not-deployed', message: `no deployed soap-service ${req.params.id}` });
        return;
      }
      const def = node.definition;
      res.json({
        path: `/soap/${node.servicePath}`,
        state: def ? 'serving' : 'failed',
        operations: def ? [...def.operations.keys()] : [],
        refused: def?.refused ?? [],
        warnings: def?.warnings ?? [],
        ...(node.failure ? { failure: node.failure } : {}),
      });
    },
  );
}
