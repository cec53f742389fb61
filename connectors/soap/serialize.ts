import { SOAP11_ENV_NS, SOAP12_ENV_NS } from './envelope';
import type { FieldDef, OperationDef, SoapFaultInfo, SoapVersion, WsdlDefinition } from './types';
import { validateAgainst, type ValidationError } from './validate';
import { escapeXml } from '../../formats/xml/xml-escape';

export class InvalidReplyError extends Error {
  constructor(readonly errors: ValidationError[]) {
    super(`Invalid reply: ${errors.map((e) => e.message).join('; ')}`);
    this.name = 'InvalidReplyError';
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date);
}

function toLexical(def: FieldDef, value: unknown): unknown {
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'bigint') return String(value);
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    if (!Number.isFinite(value)) return value > 0 ? 'INF' : '-INF';
    return String(value);
  }
  if (value instanceof Date)
    return def.type === 'date' ? value.toISOString().slice(0, 10) : value.toISOString();
  return value;
}

/**
 * Flows build replies in JavaScript, where `accepted: true` or `count: 3` is natural; turn those
 * into XSD lexical strings so the same validator checks requests and replies. Keys the schema
 * does not know are kept, so validation reports them instead of dropping data silently.
 */
export function normalizeReply(fields: FieldDef[], body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const defs = new Map(fields.map((f) => [f.name, f]));
  for (const [name, value] of Object.entries(body)) {
    if (value === undefined || value === null) continue;
    const def = defs.get(name);
    if (!def) {
      out[name] = value;
      continue;
    }
    const one = (v: unknown): unknown =>
      def.type === 'complex' && isRecord(v) ? normalizeReply(def.children ?? [], v) : toLexical(def, v);
    out[name] = Array.isArray(value)
      ? value.filter((v) => v !== undefined && v !== null).map(one)
      : one(value);
  }
  return out;
}

function renderFields(fields: FieldDef[], body: Record<string, unknown>, prefix: string): string {
  let xml = '';
  for (const def of fields) {
    const raw = body[def.name];
    if (raw === undefined) continue;
    const tag = `${prefix}${def.name}`;
    for (const value of Array.isArray(raw) ? raw : [raw]) {
      const content =
        def.type === 'complex'
          ? renderFields(def.children ?? [], isRecord(value) ? value : {}, prefix)
          : escapeXml(String(value));
      xml += content === '' ? `<${tag}/>` : `<${tag}>${content}</${tag}>`;
    }
  }
  return xml;
}

export type RenderResult = { ok: true; xml: string } | { ok: false; errors: ValidationError[] };

/** Validates the reply against the output schema and renders it, or returns what is wrong. */
export function tryRenderResponse(
  _def: WsdlDefinition,
  op: OperationDef,
  body: Record<string, unknown>,
  version: SoapVersion,
): RenderResult {
  const output = op.output;
  const normalized = normalizeReply(output.fields, body);
  const errors = validateAgainst(output.fields, normalized);
  if (errors.length > 0) return { ok: false, errors };
  const env = version === '1.2' ? `xmlns:env="${SOAP12_ENV_NS}"` : `xmlns:env="${SOAP11_ENV_NS}"`;
  const childPrefix = output.qualified ? 'tns:' : '';
  const content = renderFields(output.fields, normalized, childPrefix);
  const element = `tns:${output.element}`;
  const wrapper =
    `<${element} xmlns:tns="${escapeXml(output.namespace)}"` + (content ? `>${content}</${element}>` : '/>');
  return {
    ok: true,
    xml: `<?xml version="1.0" encoding="utf-8"?><env:Envelope ${env}><env:Body>${wrapper}</env:Body></env:Envelope>`,
  };
}

/** Like tryRenderResponse, but throws InvalidReplyError when the reply does not fit the schema. */
export function renderResponse(
  def: WsdlDefinition,
  op: OperationDef,
  body: Record<string, unknown>,
  version: SoapVersion,
): string {
  const result = tryRenderResponse(def, op, body, version);
  if (!result.ok) throw new InvalidReplyError(result.errors);
  return result.xml;
}

/** The server fault for a reply the flow built wrongly: the client is not to blame. */
export function invalidReplyFault(errors: ValidationError[]): SoapFaultInfo {
  return {
    code: 'server',
    message: `Invalid reply: ${errors.map((e) => e.message).join('; ')}`,
    detail: { field: errors[0]?.field, reason: errors[0]?.message },
  };
}
