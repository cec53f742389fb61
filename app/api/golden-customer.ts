import { isGoldenId } from '../../records/cross-reference';
import {
  customer360,
  shownValue,
  type Customer360,
  type PolicySwitchedOff,
} from '../../records/customer-view';
import { unpaddedSapRef } from '../../mappings/canonical/sap-numbers';
import type { ServiceLevelRules } from '../../records/service-level';
import type { HubStore } from '../../records/store';
import { ApiError } from './api-error';

/**
 * `GET /customers/{id}`: the customer 360 with the golden record next to it, when there is one
 * (goldenId, members, xrefs, the golden document with lineage and dataQuality, revision), the open
 * processes under every member and the service level. Asked by golden id, `customer` is left out:
 * the golden document is the customer.
 */
export type CustomerAnswer = Customer360;

/**
 * a customer as the REST API names it by a source record: <system>:<source id>, as the hub takes it in
 * over SOAP and AMQP (any characters but control characters, 200 in all: "crm:A/B C#1" arrives as
 * crm:A%2FB%20C%231); "hub:" names a golden record and takes a golden id only
 */
export const CUSTOMER_REF = /^(?=[^]{3,200}$)(?!hub:)[a-z0-9-]+:\P{Cc}+$/u;
const HUB_GOLDEN_REF = /^hub:(g-[0-9a-z]+)$/i;
const INTERACTIONS = 10;

/**
 * A golden id ("g-…") or "<system>:<source id>"; a 400 for anything else, naming `field` (the path's
 * id, or a body field that names a customer the same way, as a steward's merge does with `with`).
 */
export function customerIdParam(id: string, field = 'id'): string {
  // Crockford's base 32 reads upper and lower case alike
  if (isGoldenId(id.toLowerCase())) return id.toLowerCase();
  const hub = HUB_GOLDEN_REF.exec(id);
  if (hub && isGoldenId(hub[1].toLowerCase())) return `hub:${hub[1].toLowerCase()}`;
  // NFC, as the cross-reference keys source ids: a decomposed ü names the same customer
  if (CUSTOMER_REF.test(id)) return id.normalize('NFC');
  throw new ApiError(
    400,
    'invalid-customer-id',
    `customer id '${shown(id)}' is neither a golden id (g-…) nor of the form <system>:<id>${caseHint(id)}`,
    field,
  );
}

/**
 * customerIdParam as the hub keys the customer: SAP's padded number without its leading zeros
 * (sap:0000104711 is sap:104711, as the customer 360 names the member), so an answer that echoes the
 * id names the customer every other route and the stored offers know; another system's zeros stay.
 */
export function customerKeyParam(id: string): string {
  return unpaddedSapRef(customerIdParam(id));
}

/**
 * The hub's system ids are lower case, and "SAP:4711" read as unknown would send the caller looking
 * for a wrong number; the hint names the ref as the hub keys it.
 */
function caseHint(id: string): string {
  const colon = id.indexOf(':');
  if (colon <= 0) return '';
  const lower = `${id.slice(0, colon).toLowerCase()}${id.slice(colon)}`;
  return lower !== id && CUSTOMER_REF.test(lower) ? `; system ids are lower case: '${shown(lower)}'` : '';
}

/** "<system>:<source id>" only; a 400 for anything else, `why` saying what needs one. */
export function sourceRefParam(id: string, why = ''): string {
  if (CUSTOMER_REF.test(id)) return id.normalize('NFC');
  throw new ApiError(
    400,
    'invalid-customer-id',
    `customer id '${shown(id)}' is not of the form <system>:<id>${caseHint(id)}${why ? `: ${why}` : ''}`,
    'id',
  );
}

/** An id (or a query value) as an error message quotes it: control characters escaped, a long one cut. */
export const shown = shownValue;

export async function customerAnswer(
  store: HubStore,
  id: string,
  serviceLevelRules?: ServiceLevelRules,
  switchedOff?: PolicySwitchedOff,
): Promise<CustomerAnswer> {
  const full = await customer360(store, id, INTERACTIONS, serviceLevelRules, switchedOff);
  const { customer, ...rest } = full;
  const view = isGoldenId(id) ? rest : full;
  if (
    view.goldenId === undefined &&
    !customer &&
    view.offers.length === 0 &&
    view.lastInteractions.length === 0 &&
    view.openProcesses.length === 0
  ) {
    throw new ApiError(404, 'unknown-customer', `the hub knows nothing about customer ${id}`, 'id');
  }
  return view;
}
