import type { FlowNode } from './harness';

/**
 * The change to the GetCustomer360 path of flows/hub.json (tab "Hub services (/soap/hub)") that
 * answers the golden record: a change node keeps the request (next-best-offer replaces the payload),
 * and the shaping answers the golden attributes, plus goldenId, xrefs and lineage when the request
 * says withGolden. flows/hub.json is another helper's file; until it carries this change, the node
 * test lays it over the shipped nodes (see hub-services-customer360.test.ts).
 */
export const KEEP_REQUEST: FlowNode = {
  id: 'svc-360-request',
  type: 'change',
  z: 'tab-services',
  x: 240,
  y: 360,
  name: 'keep the request',
  rules: [{ t: 'set', p: 'request', pt: 'msg', to: 'payload', tot: 'msg' }],
  action: '',
  property: '',
  from: '',
  to: '',
  reg: false,
  wires: [['svc-view']],
};

export const SHAPE_360_EXPRESSION = `(
  $v := payload;
  $c := $v.document ? $v.document : $v.customer.document;
  $golden := $v.goldenId and $string($$.request.withGolden) in ["true", "1"];
  {
    "customer": {
      "customerRef": $v.customer.customerRef,
      "sourceSystem": $v.customer.sourceSystem,
      "sourceId": $substringAfter($v.customer.customerRef, ":"),
      "kind": $c.kind,
      "givenName": $c.person.givenName,
      "familyName": $c.person.familyName,
      "organizationName": $c.organization.legalName,
      "birthDate": $c.birthDate,
      "tier": $c.tier,
      "email": $c.emails[0].address,
      "phone": $c.phones[0].number,
      "street": $c.addresses[0].street,
      "houseNumber": $c.addresses[0].houseNumber,
      "postalCode": $c.addresses[0].postalCode,
      "city": $c.addresses[0].city,
      "country": $c.addresses[0].country,
      "consents": [$c.consents.{"channel": channel, "purpose": purpose, "status": status}]
    },
    "offers": [$v.offers.{"offerId": offerId, "offer": offer, "channel": channel, "action": action, "priority": priority, "expiresAt": expiresAt}],
    "lastInteractions": [$v.lastInteractions.{"type": type, "channel": channel, "occurredAt": occurredAt}],
    "goldenId": $golden ? $v.goldenId,
    "xrefs": $golden ? $v.xrefs,
    "lineage": $golden ? [$each($v.lineage, function($l, $k) {
      {"attribute": $k, "system": $l.source.system, "sourceId": $l.source.sourceId, "rule": $l.rule, "at": $l.at, "via": $l.via, "note": $l.note}
    })]
  }
)`;

/** The shipped nodes with the change laid over them: svc-360 wired to the new node, the new shaping. */
export function withCustomer360Change(nodes: FlowNode[]): FlowNode[] {
  if (nodes.some((n) => n.id === KEEP_REQUEST.id)) return nodes;
  return [
    ...nodes.map((n) => {
      if (n.id === 'svc-360') return { ...n, wires: [[KEEP_REQUEST.id]] };
      if (n.id === 'svc-shape-360') {
        const [rule] = n.rules as Record<string, unknown>[];
        return { ...n, rules: [{ ...rule, to: SHAPE_360_EXPRESSION }] };
      }
      if (n.id === 'svc-catch-read') return { ...n, scope: [...(n.scope as string[]), KEEP_REQUEST.id] };
      return n;
    }),
    KEEP_REQUEST,
  ];
}
