import type { Node, NodeDef } from 'node-red';
import type { SoapCall, SoapReply, WsdlDefinition } from '../../connectors/soap/types';
import { loadWsdlFileSync } from '../../connectors/soap/wsdl';
import { singleUserSecurity } from '../../connectors/soap/ws-security';
import { isWsdlUrl, resolveWsdlLocation } from '../../connectors/soap/wsdl-location';
import { userDirOf } from '../soap-client/options';
import { errorMessage } from '../shared/red';
import { hubRuntime } from '../shared/hub-runtime';
import { migrate } from '../shared/migrate';
import { ensureHubRoutes } from '../shared/mount';
import type { RED } from '../shared/red';
import { migrations } from './migrations';
import { mountStatusRoute } from './status-route';

export interface SoapServiceDef extends NodeDef {
  /** served at /soap/<path> */
  path: string;
  /** "builtin:<name>" for a WSDL shipped in connectors/soap/wsdl, otherwise a file path */
  wsdl: string;
  maxBytes: string;
  timeout: string;
  /** none | digest | text-or-digest; unset means digest when a username is configured */
  security?: string;
  /** replay window in seconds */
  replayWindow?: string;
}

interface SoapServiceCredentials {
  username?: string;
  password?: string;
}

export type CallHandler = (call: SoapCall) => void;

export interface SoapServiceNode extends Node<SoapServiceCredentials> {
  /** undefined when the WSDL could not be served; `failure` says why */
  definition?: WsdlDefinition;
  failure?: string;
  servicePath: string;
  /** a soap-in node takes the calls of one operation, or of all when operation is '' */
  listen(operation: string, handler: CallHandler): void;
  unlisten(operation: string, handler: CallHandler): void;
  /** answers a pending call; false when it was already answered or timed out */
  reply(callId: string, reply: SoapReply): boolean;
}

/** soap-response finds the service of a call by the path soap-in recorded on the msg. */
const servicesByPath = new Map<string, SoapServiceNode>();

export function findSoapService(servicePath: string): SoapServiceNode | undefined {
  return servicesByPath.get(servicePath);
}

/** The service parses its WSDL at deploy, synchronously, so it must be a file (shipped or the user's). */
function wsdlFile(source: string, userDir: string): string {
  if (isWsdlUrl(source)) throw new Error(`soap-service serves a WSDL file, not a URL: ${source.trim()}`);
  return resolveWsdlLocation(source, userDir);
}

/** What /healthz says about one SOAP service. */
function soapHealth(node: SoapServiceNode) {
  const def = node.definition;
  const refused = def?.refused ?? [];
  return {
    id: node.id,
    name: `/soap/${node.servicePath}`,
    kind: 'soap-service',
    ok: def !== undefined,
    state: def ? 'serving' : 'failed',
    detail: def
      ? `${def.operations.size} operations served` +
        (refused.length ? `; refused: ${refused.map((r) => `${r.name} (${r.reason})`).join('; ')}` : '')
      : (node.failure ?? 'not loaded'),
  };
}

/** settings.js crmHub.soapMaxBytes (CRM_HUB_SOAP_MAX_BYTES): the limit of a service that sets none. */
function hubMaxBytes(RED: RED): number {
  const setting = (RED.settings as unknown as { crmHub?: { soapMaxBytes?: unknown } }).crmHub?.soapMaxBytes;
  return typeof setting === 'number' && setting > 0 ? setting : 1024 * 1024;
}

export default function (RED: RED) {
  ensureHubRoutes(RED);
  mountStatusRoute(RED);

  function SoapService(this: SoapServiceNode, saved: SoapServiceDef) {
    RED.nodes.createNode(this, saved);
    const config = migrate<SoapServiceDef>(saved, migrations);
    this.servicePath = (config.path || '').replace(/^\/+|\/+$/g, '');
    // Loaded once per config node, never per message. A WSDL that cannot be served must not look
    // deployed: the failure is logged, shown by every soap-in that uses the service, and in /healthz.
    const source = config.wsdl || `builtin:${this.servicePath}`;
    try {
      this.definition = loadWsdlFileSync(wsdlFile(source, userDirOf(RED)));
    } catch (err) {
      this.failure = errorMessage(err);
      this.error(
        RED._('soap-service.errors.wsdl-failed', {
          path: this.servicePath,
          wsdl: source,
          reason: this.failure,
        }),
      );
    }
    for (const refused of this.definition?.refused ?? []) {
      this.warn(RED._('soap-service.warnings.refused', { operation: refused.name, reason: refused.reason }));
    }
    for (const warning of this.definition?.warnings ?? []) this.warn(warning);
    hubRuntime.health.addSoapService(this.id, () => Promise.resolve(soapHealth(this)));
    const timeoutMs = Number(config.timeout) || 30000;
    const handlers = new Map<string, CallHandler>();
    const pending = new Map<string, (reply: SoapReply) => void>();

    const dispatch = (call: SoapCall): Promise<SoapReply> =>
      new Promise((resolve) => {
        const handler = handlers.get(call.operation) ?? handlers.get('');
        if (!handler) {
          resolve({
            ok: false,
            fault: { code: 'server', message: `operation ${call.operation} is not wired to a flow` },
          });
          return;
        }
        // The flow may never answer (a missing soap-response); the caller still gets a fault.
        const timer = setTimeout(() => {
          pending.delete(call.id);
          resolve({
            ok: false,
            fault: { code: 'server', message: `the flow did not answer within ${timeoutMs} ms` },
          });
        }, timeoutMs);
        pending.set(call.id, (reply) => {
          clearTimeout(timer);
          resolve(reply);
        });
        handler(call);
      });

    // Credentials come from Node-RED's encrypted credentials file, never from the flow JSON.
    const { username, password } = this.credentials ?? {};
    const security = singleUserSecurity(config.security, username, password, Number(config.replayWindow));
    if (security && !(username && password)) this.error(RED._('soap-service.errors.no-credentials'));

    if (this.definition)
      hubRuntime.soap.addService(this.servicePath, this.definition, dispatch, {
        maxBytes: Number(config.maxBytes) || hubMaxBytes(RED),
        // the server's own timeout is a backstop; the flow timeout above answers first
        timeoutMs: timeoutMs + 1000,
        ...(security ? { security } : {}),
      });

    servicesByPath.set(this.servicePath, this);
    this.listen = (operation, handler) => handlers.set(operation, handler);
    this.unlisten = (operation, handler) => {
      if (handlers.get(operation) === handler) handlers.delete(operation);
    };
    this.reply = (callId, reply) => {
      const resolve = pending.get(callId);
      if (!resolve) return false;
      pending.delete(callId);
      resolve(reply);
      return true;
    };

    this.on('close', (_removed: boolean, done: () => void) => {
      hubRuntime.health.remove(this.id);
      if (this.definition) hubRuntime.soap.removeService(this.servicePath);
      if (servicesByPath.get(this.servicePath) === this) servicesByPath.delete(this.servicePath);
      for (const resolve of pending.values()) {
        resolve({
          ok: false,
          fault: { code: 'server', message: 'the service is being redeployed; try again' },
        });
      }
      pending.clear();
      done();
    });
  }

  RED.nodes.registerType<SoapServiceNode, SoapServiceDef, object, SoapServiceCredentials>(
    'soap-service',
    SoapService,
    {
      credentials: { username: { type: 'text' }, password: { type: 'password' } },
      // the edit dialog shows the limit an empty field stands for
      settings: { soapServiceMaxBytes: { value: hubMaxBytes(RED), exportable: true } },
    },
  );
}
