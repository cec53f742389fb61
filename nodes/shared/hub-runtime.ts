import { HealthRegistry } from '../../app/api/health';
import { SoapServer } from '../../connectors/soap/soap-server';
import type { HubStore } from '../../records/store';
import { nodePolicyDirectory } from './policy-directory';
import { errorMessage } from '../../formats/error-message';
import type { EventPublisher } from '../../app/api/events-api';
import { PolicyRegistry } from '../../policies/registry';
import { ContactGate } from '../../policies/contact/contact-gate';
import { ContactPolicy } from '../../policies/contact/contact-policy';
import { recordResponse } from '../../policies/contact/responses';
import { ResponseLedger } from '../../policies/response-ledger';
import type { OfferResponse } from '../../mappings/canonical/types';
import { customerDocument } from '../../records/customer-view';
import { TrustRegistry } from '../../records/trust';

/**
 * Process-wide state the nodes share: the SOAP endpoints, the store the REST API reads, the health
 * probes and the policy engines. It lives outside any one node because Node-RED recreates nodes on
 * every deploy while the HTTP routes it feeds are mounted once per process.
 */
class HubRuntime {
  readonly health = new HealthRegistry();
  /** where failures inside SOAP handlers are reported; the glue points it at Node-RED's log */
  logError: (message: string) => void = (message) => console.error(message);
  readonly soap = new SoapServer({
    mountPath: '/soap',
    notServing: () => notServing(this.health.flows().state),
    onError: (err, context) =>
      this.logError(
        `SOAP ${context.service}${context.operation ? ` ${context.operation}` : ''}: ${errorMessage(err)}`,
      ),
  });
  readonly policies = nodePolicyDirectory();
  /** source trust per attribute, as the deployed legacy-system nodes state it; survivorship reads it */
  readonly trust = new TrustRegistry();
  private readonly stores = new Map<string, HubStore>();
  /**
   * Per policy and segment, in the store: fires, deliveries, suppressions by reason, the control group
   * and the answers, for the reports and the engine's learned propensity (its counts are in memory).
   */
  readonly responseLedger = new ResponseLedger({
    store: () => this.store(),
    // the segment of the golden record, whichever system's ref the decision was keyed with
    customerOf: async (customerRef) => {
      const store = this.store();
      return store ? customerDocument(store, customerRef) : undefined;
    },
    onError: (error, what) => this.logError(`response ledger: ${what}: ${errorMessage(error)}`),
  });
  /**
   * The deployed cards, their switches with an audit trail in the store, counts and recent explanations,
   * for the REST API; switching goes through the same switches as the editor button.
   */
  readonly policyRegistry = new PolicyRegistry({
    switches: {
      isEnabled: (policyId) => this.policies.isEnabled(policyId),
      setEnabled: (policyId, enabled, keep) => this.policies.setEnabled(policyId, enabled, keep),
    },
    store: () => this.store(),
    // a hub-store node that has not reached its database: a switch now would not survive a restart
    storeDeployed: () => this.health.storeDeployed(),
    ledger: this.responseLedger,
  });
  /**
   * The contact policy every outbound node (channel-action, soap-request) checks, with its counts of
   * suppressions by reason; one per process, so caps and counts cover every node and flow.
   */
  readonly contactPolicy = new ContactPolicy();
  /** the contact policy as outbound nodes apply it: judged, and a policy's action counted in the ledger */
  readonly contactGate = new ContactGate(this.contactPolicy, this.responseLedger);
  /** where POST /api/v1/events publishes: the deployed flows' bus; the glue that can find it sets this */
  eventPublisher: () => EventPublisher | undefined = () => undefined;

  private goldenOutboxListeners: readonly (() => void)[] = [];

  /**
   * The golden outbox got entries outside any golden-record node (a steward's link or unmerge over
   * REST): every deployed relay drains it now. Its own changes and a reconnect are all a relay hears
   * of otherwise, so the events would wait for some unrelated change.
   */
  goldenOutboxChanged(): void {
    for (const listener of this.goldenOutboxListeners) {
      try {
        listener();
      } catch (err) {
        this.logError(`golden outbox: ${errorMessage(err)}`);
      }
    }
  }

  /** Hears goldenOutboxChanged; returns the unsubscribe (a relay's close calls it). */
  onGoldenOutboxChanged(listener: () => void): () => void {
    this.goldenOutboxListeners = [...this.goldenOutboxListeners, listener];
    return () => {
      this.goldenOutboxListeners = this.goldenOutboxListeners.filter((known) => known !== listener);
    };
  }

  /** The policy switches follow the store the API serves from, so the console and the editor agree. */
  addStore(id: string, store: HubStore): void {
    this.stores.set(id, store);
    this.policies.useStore(this.store());
    this.responseLedger.background('reading the response counts', () => this.responseLedger.load());
  }

  /**
   * A customer's answer from any way in (channel-action, POST /api/v1/responses): the cooldown after a
   * decline, the stored offer's status, and the ledger. Throws while no store is deployed.
   */
  async recordResponse(response: OfferResponse): ReturnType<typeof recordResponse> {
    const store = this.store();
    if (!store) throw new Error('no hub-store is deployed, so the response cannot be kept');
    const recorded = await recordResponse(this.contactPolicy, store, response, this.responseLedger);
    // the engines' cooldowns and closed lurking offers read the history they keep hot; the response is
    // kept already, so a failed refresh is logged, not answered as a failed response
    if (recorded.added)
      await this.policies
        .refreshHistory(response.customerRef)
        .catch((err: unknown) =>
          console.warn(`CRM Hub: history of ${response.customerRef} not refreshed: ${String(err)}`),
        );
    return recorded;
  }

  removeStore(id: string): void {
    if (!this.stores.delete(id)) return;
    this.policies.useStore(this.store());
  }

  /** The API serves from the first store deployed; a hub normally has exactly one. */
  store(): HubStore | undefined {
    return this.stores.values().next().value;
  }
}

export const hubRuntime = new HubRuntime();

/** why no flow serves a SOAP call now, for a service that is not registered; undefined while flows run */
function notServing(flowState: string): string | undefined {
  if (flowState === 'started') return undefined;
  if (flowState === 'starting' || flowState === 'stopping') return `the hub is ${flowState}`;
  return "the hub's flows are stopped";
}
