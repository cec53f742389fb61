import type { Node } from 'node-red';
import type { SharedSoapClient, SoapClientState } from '../../connectors/soap/shared-client';
import { migrate } from '../shared/migrate';
import { ensureHubRoutes } from '../shared/mount';
import { errorMessage, type RED } from '../shared/red';
import { migrations } from './migrations';
import {
  credentialTypes,
  sharedClientFrom,
  userDirOf,
  type SoapClientCredentials,
  type SoapClientDef,
} from './options';

export interface SoapClientNode extends Node<SoapClientCredentials> {
  /** undefined when the configuration is invalid; configError says why */
  shared?: SharedSoapClient;
  configError?: string;
  /** A soap-request starts using the endpoint; the first one loads the WSDL. */
  register(user: Node): void;
  /** A soap-request stops using it; the last one releases the WSDL. */
  deregister(user: Node, done: () => void): void;
}

/**
 * The soap-client config node (Node-RED's mqtt-broker, for SOAP): it owns the WSDL, endpoint, TLS,
 * WSDL auth, WS-Security and their credentials, and one shared client with the endpoint's circuit
 * breaker. soap-request nodes register with it and show the state it emits.
 */
export default function (RED: RED) {
  ensureHubRoutes(RED);

  function SoapClient(this: SoapClientNode, saved: SoapClientDef) {
    RED.nodes.createNode(this, saved);
    const config = migrate<SoapClientDef>(saved, migrations);
    try {
      this.shared = sharedClientFrom(config, this.credentials ?? {}, userDirOf(RED));
    } catch (err) {
      this.configError = errorMessage(err);
      this.error(RED._('soap-client.errors.config', { error: this.configError }));
    }
    const shared = this.shared;
    const onState = (state: SoapClientState, detail: string | undefined) => {
      if (state === 'no-wsdl') this.warn(RED._('soap-client.errors.wsdl', { error: detail ?? '' }));
    };
    shared?.on('state', onState);

    this.register = (user) => shared?.register(user.id);
    this.deregister = (user, done) => {
      shared?.deregister(user.id);
      done();
    };

    this.on('close', (_removed: boolean, done: () => void) => {
      shared?.close();
      done();
    });
  }

  RED.nodes.registerType<SoapClientNode, SoapClientDef, object, SoapClientCredentials>(
    'soap-client',
    SoapClient,
    { credentials: credentialTypes },
  );
}
