import { SOAP11_ENV_NS, SOAP12_ENV_NS } from './envelope';
import type { SoapFaultInfo, SoapVersion } from './types';
import { escapeXml, isXmlName } from '../../formats/xml/xml-escape';

/** Namespace of our fault detail entries (SOAP 1.1 requires detail entries to be qualified). */
export const FAULT_DETAIL_NS = 'urn:crm-hub:fault';

/** SOAP 1.1 §6.2 and SOAP 1.2 part 2 §7.5.1 both answer faults with 500. */
export const FAULT_HTTP_STATUS = 500;

/** SOAP 1.2 part 2 §7.5.2.2 (table 20): a Sender fault is 400 Bad Request; SOAP 1.1 answers 500. */
export function faultHttpStatus(fault: SoapFaultInfo, version: SoapVersion): number {
  return version === '1.2' && fault.code === 'client' ? 400 : FAULT_HTTP_STATUS;
}

const CODES_11: Record<SoapFaultInfo['code'], string> = {
  client: 'soap:Client',
  server: 'soap:Server',
  'must-understand': 'soap:MustUnderstand',
  'version-mismatch': 'soap:VersionMismatch',
};
const CODES_12: Record<SoapFaultInfo['code'], string> = {
  client: 'env:Sender',
  server: 'env:Receiver',
  'must-understand': 'env:MustUnderstand',
  'version-mismatch': 'env:VersionMismatch',
};

export function soapContentType(version: SoapVersion): string {
  return version === '1.2' ? 'application/soap+xml; charset=utf-8' : 'text/xml; charset=utf-8';
}

function detailText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  return JSON.stringify(value) ?? '';
}

function renderDetailEntries(detail: SoapFaultInfo['detail']): string {
  if (!detail) return '';
  let entries = '';
  for (const [name, value] of Object.entries(detail)) {
    // keys come from code, but a key that is not an XML name must not break the document
    if (value === undefined || !isXmlName(name)) continue;
    entries += `<f:${name}>${escapeXml(detailText(value))}</f:${name}>`;
  }
  return entries ? `<f:fault xmlns:f="${FAULT_DETAIL_NS}">${entries}</f:fault>` : '';
}

export function renderFault(fault: SoapFaultInfo, version: SoapVersion): string {
  const message = escapeXml(fault.message);
  const detail = fault.detailXml ?? renderDetailEntries(fault.detail);
  if (version === '1.2') {
    const code = CODES_12[fault.code];
    return (
      '<?xml version="1.0" encoding="utf-8"?>' +
      `<env:Envelope xmlns:env="${SOAP12_ENV_NS}"><env:Body><env:Fault>` +
      `<env:Code><env:Value>${code}</env:Value></env:Code>` +
      `<env:Reason><env:Text xml:lang="en">${message}</env:Text></env:Reason>` +
      (detail ? `<env:Detail>${detail}</env:Detail>` : '') +
      '</env:Fault></env:Body></env:Envelope>'
    );
  }
  const code = CODES_11[fault.code];
  return (
    '<?xml version="1.0" encoding="utf-8"?>' +
    `<soap:Envelope xmlns:soap="${SOAP11_ENV_NS}"><soap:Body><soap:Fault>` +
    `<faultcode>${code}</faultcode><faultstring>${message}</faultstring>` +
    (detail ? `<detail>${detail}</detail>` : '') +
    '</soap:Fault></soap:Body></soap:Envelope>'
  );
}
