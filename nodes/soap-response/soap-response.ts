import type { Node, NodeDef } from 'node-red';
import { busFailureForCaller } from '../../connectors/amqp/bus-error';
import type { SoapReply } from '../../connectors/soap/types';
import type { SoapMessage } from '../soap-in/soap-in';
import { findSoapService } from '../soap-service/soap-service';
import { onInput } from '../shared/input';
import { migrate } from '../shared/migrate';
import { ensureHubRoutes } from '../shared/mount';
import { statusWords, type RED } from '../shared/red';
import { migrations } from './migrations';

/** A mapping or validation error that a previous node put on msg.error. */
interface MsgError {
  message?: string;
  /** the error's own code, which Node-RED's Catch keeps: a BusError's kind */
  code?: unknown;
  field?: string;
  sourceField?: string;
  rule?: string;
  source?: { id?: string; type?: string };
}

/**
 * A msg carrying an error becomes a fault: a client fault when the error names a field (the caller
 * sent bad data), a server fault otherwise (something in the hub failed). A failure on the bus is
 * told by its kind, without the broker's address that its message names for the log. A fault the
 * WSDL declares (msg.fault) is answered by name with a detail the schema checks.
 */
interface MsgFault {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  detail?: unknown;
}

/**
 * A node's error that refuses one field of the request (records' InvalidChannelError, kind
 * invalid-channel), as a Catch node hands it on: Node-RED keeps its message and code, not its field,
 * so the code names the field. The codes are the REST API's for the same refusal.
 */
const REFUSED_FIELDS: Readonly<Record<string, string>> = { 'invalid-channel': 'channel' };

function refusedField(code: unknown): string | undefined {
  return typeof code === 'string' && Object.hasOwn(REFUSED_FIELDS, code) ? REFUSED_FIELDS[code] : undefined;
}

export function replyFor(msg: SoapMessage & { error?: MsgError; fault?: MsgFault }): SoapReply {
  const declared = msg.fault;
  if (declared && typeof declared === 'object' && typeof declared.name === 'string') {
    return {
      ok: false,
      fault: {
        code: declared.code === 'server' ? 'server' : 'client',
        message: typeof declared.message === 'string' ? declared.message : declared.name,
        declared: { name: declared.name, detail: declared.detail ?? {} },
      },
    };
  }
  const error = msg.error;
  const onTheBus = busFailureForCaller(error);
  if (onTheBus) {
    return {
      ok: false,
      fault: { code: 'server', message: onTheBus.message, detail: { reason: onTheBus.kind } },
    };
  }
  if (error) {
    const refused = refusedField(error.code);
    const field = error.sourceField ?? error.field ?? refused;
    const reason = error.rule ?? (refused ? (error.code as string) : undefined);
    // Catch words an Error as its toString(), "InvalidChannelError: channel must be …"
    const said = refused ? error.message?.replace(/^\w*Error: /, '') : error.message;
    return {
      ok: false,
      fault: {
        code: field ? 'client' : 'server',
        message: field ? `Invalid request: field '${field}': ${said}` : (said ?? 'request failed'),
        detail: { ...(field ? { field } : {}), ...(reason ? { reason } : {}) },
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
  const words = statusWords(RED);

  function SoapResponse(this: Node, saved: NodeDef) {
    RED.nodes.createNode(this, saved);
    migrate<NodeDef>(saved, migrations);
    let answered = 0;
    let faults = 0;

    onInput<SoapMessage & { error?: MsgError }>(this, (msg) => {
      const info = msg.soap;
      const target = info ? findSoapService(info.service) : undefined;
      if (!info || !target) throw new Error(RED._('soap-response.errors.no-call'));
      const reply = replyFor(msg);
      if (!target.reply(info.callId, reply))
        throw new Error(RED._('soap-response.errors.already-answered', { callId: info.callId }));
      if (reply.ok) answered += 1;
      else faults += 1;
      this.status({
        fill: faults ? 'yellow' : 'green',
        shape: 'dot',
        text: words('soap-response.status.answered', { answered, faults }),
      });
    });
  }

  RED.nodes.registerType('soap-response', SoapResponse);
}
