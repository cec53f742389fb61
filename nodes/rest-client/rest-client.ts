import type { Node } from 'node-red';
import { SharedRestClient } from '../../connectors/http';
import { migrate } from '../shared/migrate';
import { ensureHubRoutes } from '../shared/mount';
import { errorMessage, type RED } from '../shared/red';
import { migrations } from './migrations';
import {
  credentialTypes,
  restClientOptionsFrom,
  type RestClientCredentials,
  type RestClientDef,
} from './options';

export interface RestClientNode extends Node<RestClientCredentials> {
  /** undefined when the configuration is invalid; configError says why */
  shared?: SharedRestClient;
  configError?: string;
  /** A rest-request starts using the endpoint; the first one opens the client. */
  register(user: Node): void;
  /** A rest-request stops using it; the last one closes the client's connections. */
  deregister(user: Node, done: () => void): void;
}

/**
 * The rest-client config node (Node-RED's mqtt-broker, for REST): base URL, TLS, auth and their
 * credentials, default headers, timeout, redelivery and one circuit breaker for the endpoint. rest-request
 * nodes register with it and show the breaker state it emits.
 */
export default function (RED: RED) {
  ensureHubRoutes(RED);

  function RestClient(this: RestClientNode, saved: RestClientDef) {
    RED.nodes.createNode(this, saved);
    try {
      const config = migrate<RestClientDef>(saved, migrations);
      this.shared = new SharedRestClient(restClientOptionsFrom(config, this.credentials ?? {}));
    } catch (err) {
      this.configError = errorMessage(err);
      this.error(RED._('rest-client.errors.config', { error: this.configError }));
    }
    const shared = this.shared;
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

  RED.nodes.registerType<RestClientNode, RestClientDef, object, RestClientCredentials>(
    'rest-client',
    RestClient,
    { credentials: credentialTypes },
  );
}
