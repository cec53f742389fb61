/**
 * Contract between the SOAP library and the Node-RED glue. The library parses, validates,
 * dispatches and serializes; the glue turns a call into a msg and a msg back into a reply.
 */
export type SoapVersion = '1.1' | '1.2';

export interface FieldDef {
  name: string;
  /** xsd simple type local name (string, int, decimal, boolean, date, dateTime, ...) or 'complex' */
  type: string;
  minOccurs: number;
  /** Infinity for unbounded */
  maxOccurs: number;
  maxLength?: number;
  minLength?: number;
  /** XSD pattern (implicitly anchored, as XSD defines it) */
  pattern?: string;
  enumeration?: string[];
  children?: FieldDef[];
}

export interface MessageDef {
  /** element local name in the body, e.g. ReportAddressChange */
  element: string;
  namespace: string;
  fields: FieldDef[];
  /** elementFormDefault="qualified": child elements live in the schema's namespace */
  qualified?: boolean;
}

export interface OperationDef {
  name: string;
  soapAction: string;
  input: MessageDef;
  output: MessageDef;
}

export interface WsdlDefinition {
  targetNamespace: string;
  serviceName: string;
  portName: string;
  /** the SOAP versions the WSDL binds (soap and/or soap12 bindings) */
  versions: SoapVersion[];
  operations: Map<string, OperationDef>;
  /** the original WSDL text, served at ?wsdl with the soap:address rewritten */
  text: string;
}

/** A parsed, validated inbound call, handed to the flow. */
export interface SoapCall {
  /** unique per call; soap-response answers by it */
  id: string;
  service: string;
  operation: string;
  version: SoapVersion;
  /** the operation element's children as plain JSON (strings, nested objects, arrays for repeats) */
  body: Record<string, unknown>;
  /** SOAP header entries by local name */
  headers: Record<string, unknown>;
  /** the authenticated WS-Security username, when the service requires a token */
  principal?: string;
  /** remote address, for logs */
  remoteAddress?: string;
}

/** What a handler answers: either the output element's content, or a fault. */
export type SoapReply = { ok: true; body: Record<string, unknown> } | { ok: false; fault: SoapFaultInfo };

export interface SoapFaultInfo {
  /** 'Client' (SOAP 1.1) / 'Sender' (1.2) for bad input; 'Server' / 'Receiver' for our failures */
  code: 'client' | 'server';
  message: string;
  /** rendered inside <detail>; `field` names the offending input field when there is one */
  detail?: { field?: string; reason?: string; [key: string]: unknown };
}
