/**
 * The reply check bench/soap.ts runs before it times the servers, on replies as the hub and node-soap
 * write them (captured from both): the same answer in different namespace prefixes passes; a wrong
 * or failed answer from any server stops the benchmark. test/e2e/bench-soap-check.test.ts runs the
 * check against the real servers.
 */
import { looksAccepted, RepliesDiffer, requireSameReplies, type Reply } from '../../../bench/_soap-replies';

const hubReply = (fields: string) =>
  '<?xml version="1.0" encoding="utf-8"?><env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/">' +
  `<env:Body><tns:UpsertCustomerResponse xmlns:tns="urn:crm-hub:hub:v1">${fields}</tns:UpsertCustomerResponse></env:Body></env:Envelope>`;
const nodeSoapReply = (fields: string) =>
  '<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"  xmlns:tns="urn:crm-hub:hub:v1">' +
  `<soap:Body><UpsertCustomerResponse xmlns="urn:crm-hub:hub:v1">${fields}</UpsertCustomerResponse></soap:Body></soap:Envelope>`;
const fields = (ref: string, eventId: string, accepted: string, prefix = '') =>
  `<${prefix}customerRef>${ref}</${prefix}customerRef><${prefix}eventId>${eventId}</${prefix}eventId>` +
  `<${prefix}accepted>${accepted}</${prefix}accepted>`;

const good: Reply[] = [
  {
    server: 'hub',
    status: 200,
    body: hubReply(fields('web:u-4711', '2488409c-0f60-4020-8298-13b4d6262a17', 'true', 'tns:')),
  },
  {
    server: 'node-soap',
    status: 200,
    body: nodeSoapReply(fields('web:u-4711', '9cd7a3fe-b1a3-4b30-8a61-b5432e967df8', 'true')),
  },
];

describe('SOAP benchmark: every server gives the same answer', () => {
  it('accepts the same reply written with different prefixes and event ids', () => {
    expect(requireSameReplies(good)).toEqual({
      status: 200,
      body: { UpsertCustomerResponse: { customerRef: 'web:u-4711', eventId: '<uuid>', accepted: 'true' } },
    });
    expect(good.every((r) => looksAccepted(r.body))).toBe(true);
  });

  it.each([
    [
      'a refusal',
      hubReply(fields('web:u-4711', '2488409c-0f60-4020-8298-13b4d6262a17', 'false', 'tns:')),
      200,
    ],
    [
      'another customer',
      hubReply(fields('web:u-4712', '2488409c-0f60-4020-8298-13b4d6262a17', 'true', 'tns:')),
      200,
    ],
    ['an event id that is no UUID', hubReply(fields('web:u-4711', '42', 'true', 'tns:')), 200],
    ['an empty answer', hubReply(''), 200],
    [
      'a fault',
      '<env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/"><env:Body><env:Fault><faultcode>env:Server</faultcode><faultstring>broker down</faultstring></env:Fault></env:Body></env:Envelope>',
      500,
    ],
    ['a body that is not XML', 'OK', 200],
  ])('stops on %s from one server', (_what, body, status) => {
    const replies = [good[1], { server: 'hub', status, body }];
    expect(() => requireSameReplies(replies)).toThrow(RepliesDiffer);
    expect(() => requireSameReplies(replies)).toThrow(/^hub answers UpsertCustomer differently/);
  });

  it('tells an accepted reply from a wrong one under load without parsing it', () => {
    expect(looksAccepted(Buffer.from(good[0].body))).toBe(true);
    expect(looksAccepted(hubReply(fields('web:u-4711', 'x', 'false', 'tns:')))).toBe(false);
    expect(looksAccepted(hubReply(fields('web:u-47110', 'x', 'true', 'tns:')))).toBe(false);
    expect(looksAccepted(undefined)).toBe(false);
  });
});
