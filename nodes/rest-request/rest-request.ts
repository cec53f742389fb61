import type { Node } from 'node-red';
import type { SharedRestClient } from '../../connectors/http';
import { CIRCUIT_STATUS, followState, refuseInvalidConfig } from '../shared/circuit-status';
import { useClient, type ClientUse } from '../shared/client-owner';
import { contactGate, contactOf, suppressedWithStatus, type ContactMessage } from '../shared/contact-gate';
import { onInput } from '../shared/input';
import { migrate } from '../shared/migrate';
import { ensureHubRoutes } from '../shared/mount';
import { statusWords, type RED } from '../shared/red';
import { traceparentOf } from '../shared/trace';
import { answered, failed, idempotencyKeyOf, requestHeaders, type RestMessage } from './message';
import { migrations } from './migrations';
import { requestSettingsFrom, type RestRequestDef } from './options';

/**
 * Calls a REST endpoint (an SMS or e-mail gateway, a modern CRM) through its rest-client: the client's
 * redelivery and circuit breaker, one Idempotency-Key for every attempt of a message, the policy,
 * decision and card version as X-CRM-* headers, and the msg's W3C trace as traceparent.
 */
export default function (RED: RED) {
  ensureHubRoutes(RED);
  const words = statusWords(RED);

  function RestRequest(this: Node, saved: RestRequestDef) {
    RED.nodes.createNode(this, saved);
    let client: ClientUse<SharedRestClient>;
    let settings: ReturnType<typeof requestSettingsFrom>;
    try {
      const config = migrate<RestRequestDef>(saved, migrations);
      settings = requestSettingsFrom(config);
      client = useClient<SharedRestClient>(RED, this, config.client, 'rest-request');
    } catch (err) {
      refuseInvalidConfig(RED, this, 'rest-request', err);
      return;
    }
    const { shared } = client;
    const { counts, show, stop } = followState(this, 'rest-request', shared, CIRCUIT_STATUS, words);

    // an SMS or e-mail is a customer contact: every msg that declares one (msg.contact) is judged
    const gate = contactGate(RED, this);
    const suppress = suppressedWithStatus(RED, this, 'rest-request', words);

    onInput<RestMessage & ContactMessage>(
      this,
      async (msg, send) => {
        const contact = contactOf(msg);
        const verdict = contact ? await gate.check(msg, contact, await gate.store()) : undefined;
        if (verdict && !verdict.allowed) {
          // suppressed, not failed: the msg completes, so an amqp-in before it acknowledges the event
          // instead of dead-lettering it; the second output and the status show it
          send([null, { ...msg, suppressed: suppress(verdict) }]);
          return;
        }
        const idempotencyKey = idempotencyKeyOf(msg);
        try {
          const res = await shared.request({
            ...settings,
            params: msg.params,
            body: msg.payload,
            headers: requestHeaders(msg),
            idempotencyKey,
            traceparent: traceparentOf(msg),
          });
          counts.ok += 1;
          answered(msg, res);
          send(msg);
        } catch (err) {
          counts.failed += 1;
          failed(msg, settings.method, idempotencyKey, err);
          // the original error goes on to done(err): its class, kind and stack reach the Catch node
          throw err;
        } finally {
          show();
        }
      },
      { errorStatus: false },
    );

    this.on('close', (_removed: boolean, done: () => void) => {
      stop();
      client.release(done);
    });
  }

  RED.nodes.registerType('rest-request', RestRequest);
}
