/** A SOAP 1.1 ReportAddressChange request as the call-center CRM sends it. */
export function reportAddressChange(fields: Record<string, string | undefined>): string {
  const body = Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `<crm:${k}>${v}</crm:${k}>`)
    .join('');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:crm="urn:crm-hub:crm">' +
    `<soapenv:Header/><soapenv:Body><crm:ReportAddressChange>${body}</crm:ReportAddressChange></soapenv:Body>` +
    '</soapenv:Envelope>'
  );
}

export const goodAddress = {
  customerNumber: '0004711',
  street: 'Hauptstraße 5',
  postalCode: '80331',
  city: 'München',
  country: 'DE',
  channel: 'call-center',
};

export const soapServiceNode = {
  id: 'svc',
  type: 'soap-service',
  name: 'crm',
  path: 'crm',
  wsdl: 'builtin:crm',
  maxBytes: '65536',
  timeout: '5000',
};
