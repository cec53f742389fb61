import { SOAP11_ENV_NS, SOAP12_ENV_NS } from './envelope';
import type { OperationDef, SoapFaultInfo, SoapVersion, WsdlDefinition } from './types';
import { encodeElement } from './xsd/encode';
import type { ValidationError } from './xsd/model';

export type { ValidationError };

export class InvalidReplyError extends Error {
  constructor(readonly errors: ValidationError[]) {
    super(`Invalid reply: ${errors.map((e) => e.message).join('; ')}`);
    this.name = 'InvalidReplyError';
  }
}

export type RenderResult = { ok: true; xml: string } | { ok: false; errors: ValidationError[] };

/** Validates the reply against the output element's schema and renders the envelope, or says what is wrong. */
export function tryRenderResponse(
  def: WsdlDefinition,
  op: OperationDef,
  body: Record<string, unknown>,
  version: SoapVersion,
): RenderResult {
  const encoded = encodeElement(def.schemas, op.output.decl, body);
  if (!encoded.ok) return encoded;
  const env = version === '1.2' ? `xmlns:env="${SOAP12_ENV_NS}"` : `xmlns:env="${SOAP11_ENV_NS}"`;
  return {
    ok: true,
    xml: `<?xml version="1.0" encoding="utf-8"?><env:Envelope ${env}><env:Body>${encoded.xml}</env:Body></env:Envelope>`,
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

/**
 * A fault the WSDL declares for the operation: its detail element is checked and rendered like a
 * reply. An unknown fault name or a detail that does not fit is the flow's mistake: a server fault.
 */
export function declaredFault(def: WsdlDefinition, op: OperationDef, fault: SoapFaultInfo): SoapFaultInfo {
  if (!fault.declared) return fault;
  const declared = op.faults.get(fault.declared.name);
  if (!declared) {
    const known = [...op.faults.keys()];
    return {
      code: 'server',
      message:
        `the flow answered with fault '${fault.declared.name}', which operation '${op.name}' does not declare` +
        (known.length ? ` (declared: ${known.join(', ')})` : ' (it declares none)'),
    };
  }
  const encoded = encodeElement(def.schemas, declared.decl, fault.declared.detail ?? {});
  if (!encoded.ok) {
    return {
      code: 'server',
      message: `Invalid fault detail for '${declared.name}': ${encoded.errors.map((e) => e.message).join('; ')}`,
      detail: { field: encoded.errors[0]?.field, reason: encoded.errors[0]?.message },
    };
  }
  const { declared: _declared, ...rest } = fault;
  return { ...rest, detailXml: encoded.xml };
}
