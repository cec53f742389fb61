import fs from 'node:fs';
import type { Request, Response } from 'express';
import { checkSoapUrls, listWsdlOperations, type OperationInfo } from '../../connectors/soap/client';
import type { SharedSoapClient } from '../../connectors/soap/shared-client';
import { isWsdlUrl, resolveLookupWsdlLocation } from '../../connectors/soap/wsdl-location';
import type { SoapClientNode } from '../soap-client/soap-client';
import { firstTimeFor } from '../shared/once';
import { errorMessage, type RED } from '../shared/red';
import type { SoapRequestNode } from './soap-request';

/**
 * GET /crm-hub/soap-request/operations?wsdl=<file or URL>[&client=<soap-client id>][&node=<id>] lists
 * the operations for the editor's dropdown. The editor never holds the passwords, so when a deployed
 * soap-client (or an old soap-request with its own settings) has the same WSDL, the listing goes
 * through it, with its WSDL auth and TLS, and reuses the WSDL it has loaded.
 */
export function mountOperationsRoute(RED: RED, userDir: () => string): void {
  const admin = RED.httpAdmin;
  if (!admin || !firstTimeFor(admin, 'soap-request-operations')) return;

  const deployed = (id: string): SharedSoapClient | undefined => {
    if (!id) return undefined;
    const node = RED.nodes.getNode(id) as (SoapClientNode & SoapRequestNode) | null;
    return node?.shared ?? node?.endpoint;
  };

  admin.get(
    '/crm-hub/soap-request/operations',
    RED.auth.needsPermission('soap-request.read'),
    (req: Request, res: Response) => {
      const param = (name: string) => (typeof req.query[name] === 'string' ? String(req.query[name]) : '');
      let listing: Promise<OperationInfo[]>;
      let wsdl = '';
      try {
        wsdl = resolveLookupWsdlLocation(param('wsdl'), userDir());
        checkSoapUrls({ wsdl });
        const shared = deployed(param('client')) ?? deployed(param('node'));
        listing =
          shared && shared.options.wsdl === wsdl ? shared.listOperations() : listWsdlOperations({ wsdl });
      } catch (err) {
        res.status(400).json({ error: 'invalid-wsdl', field: 'wsdl', message: errorMessage(err) });
        return;
      }
      listing.then(
        (operations) => res.json({ wsdl: param('wsdl'), operations }),
        (err: unknown) =>
          res.status(502).json({
            error: 'wsdl-load-failed',
            field: 'wsdl',
            message: loadFailure(wsdl, param('wsdl'), err),
          }),
      );
    },
  );
}

/**
 * Why a WSDL did not load, for the editor: a URL's own error; for a file, whether it is there and that
 * it is no WSDL, never the parser's words, which quote the file (a line, a column, a character).
 */
function loadFailure(location: string, given: string, err: unknown): string {
  if (isWsdlUrl(location)) return errorMessage(err);
  if (!fs.existsSync(location)) return `cannot load WSDL ${given}: no such file`;
  return `cannot load WSDL ${given}: the file is not a WSDL the hub reads (is it XML, with wsdl:definitions?)`;
}
