import type { OperationDef, WsdlDefinition } from '../../../../../connectors/soap/types';
import { parseWsdl } from '../../../../../connectors/soap/wsdl';
import { decodeElement, type DecodeResult } from '../../../../../connectors/soap/xsd/decode';
import { encodeElement, type EncodeResult } from '../../../../../connectors/soap/xsd/encode';
import { parseXmlTree } from '../../../../../formats/xml/xml-tree';

export const XSI = 'http://www.w3.org/2001/XMLSchema-instance';

/**
 * A WSDL with one document/literal operation Op (input t:Req, output t:Resp) over a schema of the
 * caller's, in namespace urn:t with prefix t: and xs: for XML Schema.
 */
export function wsdlWith(
  schema: string,
  options: { form?: 'qualified' | 'unqualified'; extra?: string } = {},
): string {
  const form = options.form ?? 'qualified';
  return `<?xml version="1.0"?>
<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:xs="http://www.w3.org/2001/XMLSchema"
  xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/" xmlns:t="urn:t" targetNamespace="urn:t">
  <wsdl:types><xs:schema targetNamespace="urn:t" elementFormDefault="${form}">${schema}</xs:schema></wsdl:types>
  <wsdl:message name="In"><wsdl:part name="parameters" element="t:Req"/></wsdl:message>
  <wsdl:message name="Out"><wsdl:part name="parameters" element="t:Resp"/></wsdl:message>
  <wsdl:portType name="PT"><wsdl:operation name="Op"><wsdl:input message="t:In"/><wsdl:output message="t:Out"/></wsdl:operation></wsdl:portType>
  <wsdl:binding name="B" type="t:PT"><soap:binding style="document" transport="http://schemas.xmlsoap.org/soap/http"/>
    <wsdl:operation name="Op"><soap:operation soapAction="urn:t/Op"/>
      <wsdl:input><soap:body use="literal"/></wsdl:input><wsdl:output><soap:body use="literal"/></wsdl:output></wsdl:operation></wsdl:binding>
  ${options.extra ?? ''}
  <wsdl:service name="S"><wsdl:port name="P" binding="t:B"><soap:address location="http://x/soap/t"/></wsdl:port></wsdl:service>
</wsdl:definitions>`;
}

export interface Compiled {
  def: WsdlDefinition;
  op: OperationDef;
  /** decodes <t:Req ...attrs>inner</t:Req> (xsi and t declared) */
  request(inner: string, attrs?: string): DecodeResult;
  /** encodes a reply body as t:Resp */
  reply(body: unknown): EncodeResult;
  /** checks a JSON request body the way a reply is checked */
  requestJson(body: unknown): EncodeResult;
}

export function compile(schema: string, options: { form?: 'qualified' | 'unqualified' } = {}): Compiled {
  const def = parseWsdl(wsdlWith(schema, options));
  const op = def.operations.get('Op');
  if (!op) throw new Error(`operation Op refused: ${JSON.stringify(def.refused)}`);
  return {
    def,
    op,
    request: (inner, attrs = '') =>
      decodeElement(
        def.schemas,
        op.input.decl,
        parseXmlTree(`<t:Req xmlns:t="urn:t" xmlns:xsi="${XSI}"${attrs ? ` ${attrs}` : ''}>${inner}</t:Req>`),
      ),
    reply: (body) => encodeElement(def.schemas, op.output.decl, body),
    requestJson: (body) => encodeElement(def.schemas, op.input.decl, body),
  };
}

/** The field paths of the errors, for short assertions. */
export function fields(result: DecodeResult | EncodeResult): string[] {
  return 'errors' in result ? result.errors.map((e) => e.field) : [];
}

export function messages(result: DecodeResult | EncodeResult): string[] {
  return 'errors' in result ? result.errors.map((e) => e.message) : [];
}
