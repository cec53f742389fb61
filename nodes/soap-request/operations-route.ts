import type { Request, Response } from 'express';
import { defaultSoapClientPool, type SoapClientOptions } from '../../connectors/soap/client';
import { errorMessage, type RED } from '../shared/red';
import { clientOptionsFrom, type SoapRequestCredentials, type SoapRequestDef } from './options';
import { firstTimeFor } from '../shared/once';

/**
 * GET /crm-hub/soap-request/operations?wsdl=<file or URL>[&node=<id>] lists the operations for the
 * editor's dropdown. With node=<id> of a deployed soap-request node its WSDL credentials are used, as
 * the editor never holds the passwords.
 */
export function mountOperationsRoute(RED: RED, userDir: () => string): void {
  const admin = RED.httpAdmin;
  if (!admin || !firstTimeFor(admin, 'soap-request-operations')) return;
  admin.get(
    '/crm-hub/soap-request/operations',
    RED.auth.needsPermission('soap-request.read'),
    (req: Request, res: Response) => {
      const wsdl = typeof req.query.wsdl === 'string' ? req.query.wsdl : '';
      const nodeId = typeof req.query.node === 'string' ? req.query.node : '';
      let options: SoapClientOptions;
      try {
        const deployed = nodeId
          ? (RED.nodes.getNode(nodeId) as { config?: Partial<SoapRequestDef> } | null)
          : null;
        const config = deployed?.config?.wsdl === wsdl ? deployed.config : { wsdl };
        const creds = deployed ? ((RED.nodes.getCredentials(nodeId) ?? {}) as SoapRequestCredentials) : {};
        // only what loading the WSDL needs: no WS-Security key is parsed for a listing
        options = { ...clientOptionsFrom({ ...config, security: 'none' }, creds, userDir()) };
      } catch (err) {
        res.status(400).json({ error: 'invalid-wsdl', field: 'wsdl', message: errorMessage(err) });
        return;
      }
      defaultSoapClientPool
        .acquire(options)
        .then((client) => {
          res.json({ wsdl, operations: client.listOperations() });
          defaultSoapClientPool.release(options);
        })
        .catch((err: unknown) =>
          res.status(502).json({ error: 'wsdl-load-failed', field: 'wsdl', message: errorMessage(err) }),
        );
    },
  );
}
