import type { Node, NodeStatus } from 'node-red';
import type { CircuitState } from '../../connectors/resilience';
import type { SharedRestClient } from '../../connectors/http';
import type { RestClientNode } from '../rest-client/rest-client';
import { contactGate, contactOf, type ContactMessage } from '../shared/contact-gate';
import { onInput } from '../shared/input';
import { migrate } from '../shared/migrate';
import { ensureHubRoutes } from '../shared/mount';
import { errorMessage, statusWords, type RED } from '../shared/red';
import { answered, failed, idempotencyKeyOf, requestHeaders, type RestMessage } from './message';
import { migrations } from './migrations';
import { requestSettingsFrom, type RestRequestDef } from './options';

const STATUS: Record<CircuitState, Pick<NodeStatus, 'fill' | 'shape'>> = {
  closed: { fill: 'green', shape: 'dot' },
  'half-open': { fill: 'yellow', shape: 'ring' },
  open: { fill: 'red', shape: 'dot' },
};

/**
 * Calls a REST endpoint (an SMS or e-mail gateway, a modern CRM) through its rest-client: the client's
 * redelivery and circuit breaker, one Idempotency-Key for every attempt of a message, and the policy,
 * decision and card version as X-CRM-* headers.
 */
export default function (RED: RED) {
  ensureHubRoutes(RED);
  const words = statusWords(RED);

  function RestRequest(this: Node, saved: RestRequestDef) {
    RED.nodes.createNode(this, saved);
    let shared: SharedRestClient;
    let owner: RestClientNode;
    let settings: ReturnType<typeof requestSettingsFrom>;
    try {
      const config = migrate<RestRequestDef>(saved, migrations);
      settings = requestSettingsFrom(config);
      const found = RED.nodes.getNode(config.client) as RestClientNode | null;
      if (!found) throw new Error(RED._('rest-request.errors.no-client'));
      if (!found.shared) throw new Error(found.configError ?? RED._('rest-request.errors.no-client'));
      owner = found;
      shared = found.shared;
    } catch (err) {
      const error = RED._('rest-request.errors.config', { error: errorMessage(err) });
      this.status({ fill: 'red', shape: 'ring', text: RED._('rest-request.status.invalid') });
      this.error(error);
      // messages still reach a Catch node instead of vanishing
      onInput(
        this,
        () => {
          throw new Error(error);
        },
        { errorStatus: false },
      );
      return;
    }
    owner.register(this);
    const counts = { ok: 0, failed: 0 };
    const show = (state: CircuitState = shared.state) =>
      this.status({ ...STATUS[state], text: words(`rest-request.status.${state}`, { ...counts }) });
    shared.on('state', show);
    show();

    // an SMS or e-mail is a customer contact: every msg that declares one (msg.contact) is judged
    const gate = contactGate(RED, this);

    onInput<RestMessage & ContactMessage>(
      this,
      async (msg, send) => {
        const contact = contactOf(msg);
        if (contact) {
          await gate.enforce(msg, contact, await gate.store(), (verdict) => {
            const values = { reason: verdict.reason ?? '', detail: verdict.detail };
            this.status({
              fill: 'yellow',
              shape: 'ring',
              text: words('rest-request.status.refused', values),
            });
            return RED._('rest-request.errors.contact-refused', values);
          });
        }
        const idempotencyKey = idempotencyKeyOf(msg);
        try {
          const res = await shared.request({
            ...settings,
            params: msg.params,
            body: msg.payload,
            headers: requestHeaders(msg),
            idempotencyKey,
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
      shared.off('state', show);
      owner.deregister(this, done);
    });
  }

  RED.nodes.registerType('rest-request', RestRequest);
}
