import type { Node } from 'node-red';
import { SoapCallError, type CallPolicy } from '../../connectors/soap/client';
import { idempotencyKeyOf } from '../../connectors/soap/idempotency';
import type { SharedSoapClient, SoapClientState } from '../../connectors/soap/shared-client';
import { CIRCUIT_STATUS, followState, refuseInvalidConfig, type StatusLook } from '../shared/circuit-status';
import { contactGate, contactOf, suppressedWithStatus, type ContactMessage } from '../shared/contact-gate';
import { onInput } from '../shared/input';
import { migrate } from '../shared/migrate';
import { ensureHubRoutes } from '../shared/mount';
import { statusWords, type RED } from '../shared/red';
import { traceparentOf } from '../shared/trace';
import { credentialTypes, userDirOf } from '../soap-client/options';
import { endpointFor, type Endpoint } from './endpoint';
import { migrations } from './migrations';
import { mountOperationsRoute } from './operations-route';
import { callPolicyFrom, type SoapRequestCredentials, type SoapRequestDef } from './options';
import { answered, failed, operationOf, type RequestMessage } from './outcome';

export interface SoapRequestNode extends Node<SoapRequestCredentials> {
  /** the migrated config */
  config: SoapRequestDef;
  /** the client the node calls through (its soap-client's, or a private one for an old flow) */
  endpoint?: SharedSoapClient;
}

const STATUS: Record<SoapClientState, StatusLook> = {
  loading: { fill: 'yellow', shape: 'ring' },
  'no-wsdl': { fill: 'red', shape: 'ring' },
  ...CIRCUIT_STATUS,
};

export default function (RED: RED) {
  ensureHubRoutes(RED);
  const words = statusWords(RED);
  mountOperationsRoute(RED, () => userDirOf(RED));

  function SoapRequest(this: SoapRequestNode, saved: SoapRequestDef) {
    RED.nodes.createNode(this, saved);
    const config = migrate<SoapRequestDef>(saved, migrations);
    this.config = config;
    let endpoint: Endpoint;
    let policy: CallPolicy;
    try {
      policy = callPolicyFrom(config);
      endpoint = endpointFor(RED, this, config, userDirOf(RED));
    } catch (err) {
      refuseInvalidConfig(RED, this, 'soap-request', err);
      return;
    }
    const shared = endpoint.shared;
    this.endpoint = shared;
    const { counts, show, stop } = followState(this, 'soap-request', shared, STATUS, words);
    // the contact policy judges every msg that declares a customer contact (msg.contact)
    const gate = contactGate(RED, this);
    const suppress = suppressedWithStatus(RED, this, 'soap-request', words);

    onInput<RequestMessage & ContactMessage>(
      this,
      async (msg, send) => {
        const operation = operationOf(msg, config.operation);
        if (!operation)
          throw new SoapCallError(RED._('soap-request.errors.no-operation'), 'operation', false);
        const contact = contactOf(msg);
        const verdict = contact ? await gate.check(msg, contact, await gate.store()) : undefined;
        if (verdict && !verdict.allowed) {
          // suppressed, not failed: the msg completes, so an amqp-in before it acknowledges the event
          // instead of dead-lettering it; the second output and the status show it
          send([null, { ...msg, suppressed: suppress(verdict) }]);
          return;
        }
        try {
          const outcome = await shared.call(operation, msg.payload, {
            ...policy,
            idempotencyKey: idempotencyKeyOf(msg),
            traceparent: traceparentOf(msg),
          });
          counts.ok += 1;
          answered(msg, operation, outcome);
          send(msg);
        } catch (err) {
          counts.failed += 1;
          failed(msg, operation, err);
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
      endpoint.release(done);
    });
  }

  // old flows keep their credentials on the node itself (see migrations.ts)
  RED.nodes.registerType<SoapRequestNode, SoapRequestDef, object, SoapRequestCredentials>(
    'soap-request',
    SoapRequest,
    { credentials: credentialTypes },
  );
}
