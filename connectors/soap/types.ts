import type { SchemaCompiler } from './xsd/compiler';
import type { ElementDecl } from './xsd/model';

/**
 * Contract between the SOAP library and the Node-RED glue. The library parses, validates,
 * dispatches and serializes; the glue turns a call into a msg and a msg back into a reply.
 */
export type SoapVersion = '1.1' | '1.2';

export interface MessageDef {
  /** element local name in the body, e.g. ReportAddressChange */
  element: string;
  namespace: string;
  decl: ElementDecl;
}

/** A fault the WSDL declares for an operation; soap-response can answer with it by name. */
export interface FaultDef extends MessageDef {
  name: string;
}

export interface OperationDef {
  name: string;
  soapAction: string;
  input: MessageDef;
  output: MessageDef;
  /** soap:header entries the binding declares for the input, by element local name */
  headers: Map<string, MessageDef>;
  faults: Map<string, FaultDef>;
}

/** An operation the hub does not serve, and why; the others are served. */
export interface RefusedOperation {
  name: string;
  reason: string;
}

export interface WsdlDocument {
  /** path relative to the main WSDL's folder ('' for the main WSDL), served at ?xsd=<path> */
  path: string;
  text: string;
  /** each schemaLocation/location value written in this document → the path of what it names */
  references: Map<string, string>;
}

export interface WsdlDefinition {
  targetNamespace: string;
  serviceName: string;
  portName: string;
  /** the SOAP versions the WSDL binds (soap and/or soap12 bindings) */
  versions: SoapVersion[];
  operations: Map<string, OperationDef>;
  refused: RefusedOperation[];
  /** things read but not applied (untranslatable patterns, xsd:redefine), for the log */
  warnings: string[];
  /** the original WSDL text, served at ?wsdl with the soap:address rewritten */
  text: string;
  /** imported WSDL and XSD documents, by path, served at ?xsd=<path> */
  documents: Map<string, WsdlDocument>;
  /** the main document's own references */
  references: Map<string, string>;
  schemas: SchemaCompiler;
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
  /** the HTTP header traceparent as it came (W3C Trace Context); unchecked */
  traceparent?: string;
}

/** What a handler answers: either the output element's content, or a fault. */
export type SoapReply = { ok: true; body: Record<string, unknown> } | { ok: false; fault: SoapFaultInfo };

export interface SoapFaultInfo {
  /**
   * 'Client' (SOAP 1.1) / 'Sender' (1.2) for bad input; 'Server' / 'Receiver' for our failures;
   * MustUnderstand for a header block marked so that the hub does not process; VersionMismatch for an
   * envelope of neither SOAP version
   */
  code: 'client' | 'server' | 'must-understand' | 'version-mismatch';
  message: string;
  /** rendered inside <detail>; `field` names the offending input field when there is one */
  detail?: { field?: string; reason?: string; [key: string]: unknown };
  /** a fault the WSDL declares: its name and the detail element's content, checked against the schema */
  declared?: { name: string; detail: unknown };
  /** the declared fault's detail, rendered by the server; not set by flows */
  detailXml?: string;
}
