import type { Node, NodeMessage, NodeStatus } from 'node-red';
import {
  defaultSoapClientPool,
  ResilientSoapClient,
  SoapCallError,
  type ResilienceOptions,
  type SoapClientOptions,
} from '../../connectors/soap/client';
import { idempotencyKeyOf } from '../../connectors/soap/idempotency';
import { CircuitOpenError, type CircuitState } from '../../connectors/soap/resilience';
import { ensureHubRoutes } from '../shared/mount';
import { errorMessage, type Done, type RED, type Send } from '../shared/red';
import {
  clientOptionsFrom,
  credentialTypes,
  resilienceFrom,
  type SoapRequestCredentials,
  type SoapRequestDef,
} from './options';
import { mountOperationsRoute } from './operations-route';

export interface SoapRequestNode extends Node<SoapRequestCredentials> {
  config: SoapRequestDef;
  client?: ResilientSoapClient;
}

type RequestMessage = NodeMessage & {
  operation?: unknown;
  idempotencyKey?: unknown;
  fault?: unknown;
  soap?: unknown;
};

const STATUS: Record<CircuitState, Pick<NodeStatus, 'fill' | 'shape'>> = {
  closed: { fill: 'green', shape: 'dot' },
  'half-open': { fill: 'yellow', shape: 'ring' },
  open: { fill: 'red', shape: 'dot' },
};

export default function (RED: RED) {
  ensureHubRoutes(RED);
  const userDir = () => (RED.settings as unknown as { userDir?: string }).userDir ?? process.cwd();
  mountOperationsRoute(RED, userDir);

  function SoapRequest(this: SoapRequestNode, config: SoapRequestDef) {
    RED.nodes.createNode(this, config);
    this.config = config;
    let options: SoapClientOptions;
    let resilience: ResilienceOptions;
    try {
      options = clientOptionsFrom(config, this.credentials ?? {}, userDir());
      resilience = resilienceFrom(config);
    } catch (err) {
      this.status({ fill: 'red', shape: 'ring', text: RED._('soap-request.status.invalid') });
      this.error(RED._('soap-request.errors.config', { error: errorMessage(err) }));
      return;
    }
    const client = new ResilientSoapClient(defaultSoapClientPool, options, resilience);
    this.client = client;
    const counts = { ok: 0, failed: 0 };
    const showStatus = () => {
      const state = client.breaker.state;
      this.status({
        ...STATUS[state],
        text: RED._(`soap-request.status.${state}`, { ok: counts.ok, failed: counts.failed }),
      });
    };
    client.breaker.on('state', showStatus);
    // the WSDL loads at deploy, once; a failure is reported and retried by the next message
    client.soapClient().then(showStatus, (err: unknown) => {
      this.status({ fill: 'red', shape: 'ring', text: RED._('soap-request.status.no-wsdl') });
      this.warn(RED._('soap-request.errors.wsdl', { error: errorMessage(err) }));
    });

    this.on('input', (msg: RequestMessage, send: Send, done: Done) => {
      const operation =
        typeof msg.operation === 'string' && msg.operation.trim() ? msg.operation.trim() : config.operation;
      if (!operation) {
        done(new Error(RED._('soap-request.errors.no-operation')));
        return;
      }
      client.call(operation, msg.payload, { idempotencyKey: idempotencyKeyOf(msg) }).then(
        (outcome) => {
          counts.ok += 1;
          showStatus();
          msg.payload = outcome.result;
          msg.soap = { operation, attempts: outcome.attempts, messageId: outcome.messageId };
          send(msg);
          done();
        },
        (err: unknown) => {
          counts.failed += 1;
          showStatus();
          const attempts = err instanceof SoapCallError ? (err.attempts ?? 1) : 1;
          // what failed, for a switch after the Catch node: fault, http, network, timeout, circuit-open, ...
          const kind =
            err instanceof SoapCallError
              ? err.kind
              : err instanceof CircuitOpenError
                ? 'circuit-open'
                : 'error';
          msg.soap = { operation, attempts, error: kind, reason: errorMessage(err) };
          const fault = err instanceof SoapCallError ? err.fault : undefined;
          if (fault) msg.fault = { code: fault.code, string: fault.string, detail: fault.detail };
          done(
            new Error(RED._('soap-request.errors.call', { operation, attempts, error: errorMessage(err) })),
          );
        },
      );
    });

    this.on('close', (_removed: boolean, done: () => void) => {
      client.close();
      done();
    });
  }

  RED.nodes.registerType<SoapRequestNode, SoapRequestDef, object, SoapRequestCredentials>(
    'soap-request',
    SoapRequest,
    {
      credentials: credentialTypes,
    },
  );
}
