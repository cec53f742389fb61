/**
 * The check bench/soap.ts runs before it times anything: the same UpsertCustomer request is sent to
 * every server, and the parsed replies must be the same answer. A server that answered fast but wrong
 * would otherwise count. The replies are parsed by fast-xml-parser, a parser none of the servers uses,
 * with namespace prefixes dropped (each server picks its own).
 */
import { isDeepStrictEqual } from 'node:util';
import { XMLParser } from 'fast-xml-parser';

/** The request every server answers, in the check and under load. */
export const UPSERT_REQUEST = `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:hub="urn:crm-hub:hub:v1">
  <soapenv:Body>
    <hub:UpsertCustomer>
      <hub:customer>
        <hub:sourceSystem>web</hub:sourceSystem>
        <hub:sourceId>u-4711</hub:sourceId>
        <hub:kind>person</hub:kind>
        <hub:givenName>Anna</hub:givenName>
        <hub:familyName>Schmidt</hub:familyName>
        <hub:tier>platinum</hub:tier>
        <hub:email>anna.schmidt@example.de</hub:email>
        <hub:street>Leopoldstraße</hub:street>
        <hub:houseNumber>12</hub:houseNumber>
        <hub:postalCode>80802</hub:postalCode>
        <hub:city>München</hub:city>
        <hub:country>DE</hub:country>
        <hub:consents><hub:channel>email</hub:channel><hub:purpose>marketing</hub:purpose><hub:status>granted</hub:status></hub:consents>
      </hub:customer>
    </hub:UpsertCustomer>
  </soapenv:Body>
</soapenv:Envelope>`;
export const UPSERT_HEADERS = {
  'content-type': 'text/xml; charset=utf-8',
  SOAPAction: '"urn:crm-hub:hub:v1/UpsertCustomer"',
};
/** What UPSERT_REQUEST must be answered with; eventId is a fresh UUID per call on every server. */
export const EXPECTED_CUSTOMER_REF = 'web:u-4711';

export interface Reply {
  server: string;
  status: number;
  body: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const parser = new XMLParser({ removeNSPrefix: true, ignoreAttributes: true, parseTagValue: false });

/** The reply as the check compares it: status, the Body's element and its fields, the event id's shape. */
export function parseReply(reply: Reply): unknown {
  let envelope: unknown;
  try {
    envelope = parser.parse(reply.body);
  } catch (err) {
    return { status: reply.status, unparsable: String(err) };
  }
  const body = (envelope as { Envelope?: { Body?: Record<string, unknown> } }).Envelope?.Body ?? {};
  const answer = Object.fromEntries(
    Object.entries(body).map(([element, fields]) => [
      element,
      fields !== null && typeof fields === 'object'
        ? Object.fromEntries(
            Object.entries(fields).map(([k, v]) =>
              k === 'eventId' && typeof v === 'string' && UUID.test(v) ? [k, '<uuid>'] : [k, v],
            ),
          )
        : fields,
    ]),
  );
  return { status: reply.status, body: answer };
}

export class RepliesDiffer extends Error {
  override name = 'RepliesDiffer';
}

/**
 * Throws unless every server gave the same parsed reply, and that reply is the right one: 200, an
 * UpsertCustomerResponse accepting the customer under its reference, with a UUID event id.
 */
export function requireSameReplies(replies: Reply[]): unknown {
  const expected = {
    status: 200,
    body: {
      UpsertCustomerResponse: { customerRef: EXPECTED_CUSTOMER_REF, eventId: '<uuid>', accepted: 'true' },
    },
  };
  for (const reply of replies) {
    const parsed = parseReply(reply);
    if (!isDeepStrictEqual(parsed, expected)) {
      throw new RepliesDiffer(
        `${reply.server} answers UpsertCustomer differently, so timing the servers would compare different work:\n` +
          `expected ${JSON.stringify(expected)}\ngot      ${JSON.stringify(parsed)}\nraw reply (${reply.status}):\n${reply.body}`,
      );
    }
  }
  return expected;
}

/** Cheap enough to run on every response under load: the accepted reply for the right customer. */
const ACCEPTED = /<(?:[\w.-]+:)?accepted>true<\/(?:[\w.-]+:)?accepted>/;
const CUSTOMER_REF = new RegExp(
  `<(?:[\\w.-]+:)?customerRef>${EXPECTED_CUSTOMER_REF}</(?:[\\w.-]+:)?customerRef>`,
);
export function looksAccepted(body: string | Buffer | undefined): boolean {
  const text = typeof body === 'string' ? body : (body?.toString('utf8') ?? '');
  return ACCEPTED.test(text) && CUSTOMER_REF.test(text);
}
