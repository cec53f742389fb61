import { DEAD_LETTERS_PERMISSION } from '../../app/api/dead-letters-api';
import { createHealthHandler, createHubApi } from '../../app/api/hub-api';
import { REVIEWS_PERMISSION } from '../../app/api/reviews-api';
import type { OfferResponse } from '../../mappings/canonical/types';
import type { ContactPolicySettings } from '../../policies/contact/contact-policy';
import { hubRuntime } from './hub-runtime';
import type { RED } from './red';
import { logMigrationsWith } from './migrate';
import { firstTimeFor } from './once';
import { mountErrorsWithoutStack, mountFirst, mountHubFastPaths } from './fast-path-mount';
import { mountLocalOnlyPages, mountWithoutCrossOrigin } from './local-only-mount';
import { soapRoute } from '../../app/api/soap-fast-path';
import { localOnlyEndpoint } from '../../app/api/cross-origin';
import { deployedEventPublisher } from '../policy-engine/event-publisher';
import { ensurePolicySwitchRoute } from '../policy/switch-route';
import { ensureConsoleRoutes } from './console-mount';
import {
  defaultOfferOf,
  deployedLurkingOffers,
  deployedSwitchedOff,
  lurkingOffersUncounted,
} from '../next-best-offer/contact-offers';
import { serviceLevelRulesOf } from './service-level-settings';
import { hubMetrics } from '../../app/metrics/hub-metrics';
import { countApiRequests, createLivenessHandler, createMetricsHandler } from '../../app/metrics/endpoints';

/**
 * Mounts the hub's HTTP surface once per Node-RED process: /healthz, /readyz, /livez, /metrics,
 * /api/v1, /soap on the node
 * server, and the audited policy switch on the admin API (behind the editor's own auth). Called by every
 * CRM Hub node module at load time, so it also works when the package sits in a stock Node-RED.
 */
export function ensureHubRoutes(RED: RED): void {
  logMigrationsWith((line) => RED.log.info(line));
  const app = RED.httpNode;
  if (!app || !firstTimeFor(app, 'hub-routes')) return;

  hubRuntime.logError = (message) => RED.log.error(message);
  app.get('/healthz', createHealthHandler(hubRuntime.health));
  // Kubernetes' probes: ready is what /healthz decides, live asks no dependency (README, Metrics and probes)
  app.get('/readyz', createHealthHandler(hubRuntime.health));
  app.get('/livez', createLivenessHandler());
  hubMetrics.use({
    components: async () => {
      const report = await hubRuntime.health.report();
      return { bus: report.bus, store: report.store };
    },
    policies: () => hubRuntime.policyRegistry.totals(),
    soap: () => hubRuntime.soap.operationCounts(),
  });
  app.get('/metrics', createMetricsHandler(hubMetrics));
  // POST /api/v1/events publishes where the deployed flows publish their canonical events
  hubRuntime.eventPublisher = () => deployedEventPublisher(RED);
  const policies = {
    registry: hubRuntime.policyRegistry,
    authConfigured: () => Boolean(RED.settings.httpNodeAuth),
    // a dry-run applies the deployment's contact policy, as the live nodes do
    contactPolicy: () =>
      (RED.settings as unknown as { crmHub?: { contactPolicy?: ContactPolicySettings } }).crmHub
        ?.contactPolicy,
    // fires, deliveries, suppressions, responses and uplift per policy, and POST /api/v1/responses
    reports: (options: { policyIds: string[]; days?: number }) => hubRuntime.responseLedger.report(options),
    recordResponse: (response: OfferResponse) => hubRuntime.recordResponse(response),
  };
  // next best offer: the deployed lurking cards wake at the contact; the default when none applies
  const nextBestOffer = {
    store: () => hubRuntime.store(),
    lurking: deployedLurkingOffers,
    // a switched-off policy's stored offers are held back, as its lurking card stays dormant
    switchedOff: deployedSwitchedOff,
    defaultOffer: () => defaultOfferOf(RED),
    serviceLevelRules: () => serviceLevelRulesOf(RED),
  };
  // a web page asks at every visit, a legacy system calls SOAP at every change: fast paths ahead of
  // Node-RED's express apps, where they can be
  const credentialsAccepted = mountHubFastPaths(RED, { nextBestOffer, soap: hubRuntime.soap });
  // after the fast paths, so it goes first: no other site's script uses the hub's endpoints; where it
  // cannot go first, the rule without credentials goes ahead of the routes
  // the editor's and the flows' paths without credentials: no other site's page, no rebound host name
  mountLocalOnlyPages(RED);
  if (!mountWithoutCrossOrigin(RED) && !RED.settings.httpNodeAuth) {
    app.use('/api/v1', localOnlyEndpoint('api'));
    app.use('/soap', localOnlyEndpoint('soap'));
  }
  // first of all, so the fast paths' answers and the refusals ahead of the routes are counted too
  mountFirst(RED, countApiRequests(hubMetrics));
  app.use(
    '/api/v1',
    createHubApi({
      ...nextBestOffer,
      health: hubRuntime.health,
      events: () => hubRuntime.eventPublisher(),
      logError: (message: string) => hubRuntime.logError(message),
      policies: () => policies,
      deadLettersAdmin: RED.auth.needsPermission(DEAD_LETTERS_PERMISSION),
      reviewsAdmin: RED.auth.needsPermission(REVIEWS_PERMISSION),
      // a steward's link or unmerge recomputes golden records with the deployed systems' trust
      goldenOptions: () => ({ trust: hubRuntime.trust.lookup }),
      goldenOutboxChanged: () => hubRuntime.goldenOutboxChanged(),
      ...(credentialsAccepted ? { credentialsAccepted } : {}),
    }),
  );
  app.use('/soap', soapRoute(hubRuntime.soap, credentialsAccepted));
  // what no route answered (the editor's body parser, an http-in node's) reaches no client with its stack
  mountErrorsWithoutStack(RED);

  // The runtime's event emitter outlives HTTP apps (tests create a new app per load): listen once.
  if (firstTimeFor(RED.events, 'flow-state')) {
    // stopping and starting too: a SIGTERM's stop takes as long as the slowest close, and /healthz
    // answered 200 with empty lists all that time
    for (const state of ['starting', 'started', 'stopping', 'stopped'])
      RED.events.on(`flows:${state}`, () => hubRuntime.health.setFlowState(state));
  }
  ensurePolicySwitchRoute(RED);
  ensureConsoleRoutes(RED, {
    ...nextBestOffer,
    // the console looks at a customer; that is no contact of the customer's, so nothing is counted
    lurking: lurkingOffersUncounted,
    policies: () => policies,
    health: hubRuntime.health,
  });
}
