import type { Node, NodeDef } from 'node-red';
import type { SoapReply } from '../../connectors/soap/types';
import type { SoapMessage } from '../soap-in/soap-in';
import { findSoapService } from '../soap-service/soap-service';
import { ensureHubRoutes } from '../shared/mount';
import type { Done, RED } from '../shared/red';

/** A mapping or validation error that a previous node put on msg.error. */
interface MsgError {
  message?: string;
  field?: string;
  sourceField?: string;
  rule?: string;
  source?: { id?: string; type?: string };
}

/**
 * A msg carrying an error becomes a fault: a client fault when the error names a field (the caller
 * sent bad data), a server fault otherwise (something in the hub failed).
 */
export function replyFor(msg: SoapMessage & { error?: MsgError }): SoapReply {
  const error = msg.error;
  if (error) {
    const field = error.sourceField ?? error.field;
    return {
      ok: false,
      fault: {
        code: field ? 'client' : 'server',
        message: field
          ? `Invalid request: field '${field}': ${error.message}`
          : (error.message ?? 'request failed'),
        detail: { ...(field ? { field } : {}), ...(error.rule ? { reason: error.rule } : {}) },
      },
    };
  }
  const body = msg.payload;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return {
      ok: false,
      fault: { code: 'server', message: 'the flow answered without an object in msg.payload' },
    };
  }
  return { ok: true, body: body as Record<string, unknown> };
}

export default function (RED: RED) {
  ensureHubRoutes(RED);

  function SoapResponse(this: Node, config: NodeDef) {
    RED.nodes.createNode(this, config);
    let answered = 0;
    let faults = 0;

    this.on('input', (msg: SoapMessage & { error?: MsgError }, _send: unknown, done: Done) => {
      const info = msg.soap;
      const target = info ? findSoapService(info.service) : undefined;
      if (!info || !target) {
        done(new Error(RED._('soap-response.errors.no-call')));
        return;
      }
      const reply = replyFor(msg);
      if (!target.reply(info.callId, reply)) {
        done(new Error(RED._('soap-response.errors.already-answered', { callId: info.callId })));
        return;
      }
      if (reply.ok) answered += 1;
      else faults += 1;
      this.status({
        fill: faults ? 'yellow' : 'green',
        shape: 'dot',
        text: `${answered} ok, ${faults} faults`,
      });
      done();
    });
  }

  RED.nodes.registerType('soap-response', SoapResponse);
}
