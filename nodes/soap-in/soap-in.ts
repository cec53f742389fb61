import type { Node, NodeDef, NodeMessage } from 'node-red';
import { continueTrace, parseTraceparent } from '../../connectors/http/trace-context';
import type { SoapCall } from '../../connectors/soap/types';
import type { CallHandler, SoapServiceNode } from '../soap-service/soap-service';
import { migrate } from '../shared/migrate';
import { ensureHubRoutes } from '../shared/mount';
import { showThrottled, statusWords, type RED } from '../shared/red';
import { migrations } from './migrations';

export interface SoapInDef extends NodeDef {
  service: string;
  operation: string;
}

/** What soap-in puts on msg.soap; soap-response answers the call by its id. */
export interface SoapMsgInfo {
  callId: string;
  service: string;
  operation: string;
  version: string;
  headers: Record<string, unknown>;
  /** the WS-Security user the call authenticated as, when the service requires a token */
  principal?: string;
}

export type SoapMessage = NodeMessage & { soap?: SoapMsgInfo; traceparent?: string };

/**
 * The trace the call belongs to: the HTTP header traceparent, else a SOAP header entry of that local
 * name (for clients that can only write the envelope), else a new trace.
 */
export function callTrace(call: SoapCall): string {
  const fromHttp = call.traceparent;
  return continueTrace(parseTraceparent(fromHttp) ? fromHttp : call.headers.traceparent);
}

export default function (RED: RED) {
  ensureHubRoutes(RED);
  const words = statusWords(RED);

  function SoapIn(this: Node, saved: SoapInDef) {
    RED.nodes.createNode(this, saved);
    const config = migrate<SoapInDef>(saved, migrations);
    const service = RED.nodes.getNode(config.service) as SoapServiceNode | null;
    if (!service) {
      this.status({ fill: 'red', shape: 'ring', text: RED._('soap-in.status.no-service') });
      this.error(RED._('soap-in.errors.no-service'));
      return;
    }
    const operation = (config.operation || '').trim();
    const definition = service.definition;
    if (!definition) {
      this.status({ fill: 'red', shape: 'ring', text: RED._('soap-in.status.wsdl-failed') });
      this.error(
        RED._('soap-in.errors.wsdl-failed', { service: service.servicePath, reason: service.failure ?? '' }),
      );
      return;
    }
    const refused = definition.refused.find((r) => r.name === operation);
    if (refused) {
      this.status({ fill: 'red', shape: 'ring', text: RED._('soap-in.status.refused-operation') });
      this.error(RED._('soap-in.errors.refused-operation', { operation, reason: refused.reason }));
      return;
    }
    if (operation && !definition.operations.has(operation)) {
      this.status({ fill: 'red', shape: 'ring', text: RED._('soap-in.status.unknown-operation') });
      this.error(RED._('soap-in.errors.unknown-operation', { operation, service: service.servicePath }));
      return;
    }
    let calls = 0;
    const path = `/soap/${service.servicePath}`;
    this.status({ fill: 'green', shape: 'dot', text: RED._('soap-in.status.listening', { path }) });

    const handler: CallHandler = (call: SoapCall) => {
      calls += 1;
      const msg: SoapMessage = {
        _msgid: RED.util.generateId(),
        topic: call.operation,
        payload: call.body,
        traceparent: callTrace(call),
        soap: {
          callId: call.id,
          service: call.service,
          operation: call.operation,
          version: call.version,
          headers: call.headers,
          ...(call.principal ? { principal: call.principal } : {}),
        },
      };
      showThrottled(this, () => ({
        fill: 'green',
        shape: 'dot',
        text: words('soap-in.status.calls', { path, calls }),
      }));
      this.send(msg);
    };
    service.listen(operation, handler);

    this.on('close', (_removed: boolean, done: () => void) => {
      service.unlisten(operation, handler);
      done();
    });
  }

  RED.nodes.registerType('soap-in', SoapIn);
}
