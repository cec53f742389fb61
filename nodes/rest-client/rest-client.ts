import { SharedRestClient } from '../../connectors/http';
import { ownClient, type ClientOwnerNode } from '../shared/client-owner';
import { migrate } from '../shared/migrate';
import { ensureHubRoutes } from '../shared/mount';
import type { RED } from '../shared/red';
import { savedInFlow, secretHeaderNames } from '../shared/secrets-in-flow';
import { migrations } from './migrations';
import {
  credentialTypes,
  restClientOptionsFrom,
  type RestClientCredentials,
  type RestClientDef,
} from './options';

/** rest-request nodes register with it; the first one opens the client, the last one closes its connections. */
export type RestClientNode = ClientOwnerNode<SharedRestClient, RestClientCredentials>;

/**
 * The rest-client config node (Node-RED's mqtt-broker, for REST): base URL, TLS, auth and their
 * credentials, default headers, timeout, redelivery and one circuit breaker for the endpoint. rest-request
 * nodes register with it and show the breaker state it emits.
 */
export default function (RED: RED) {
  ensureHubRoutes(RED);

  function RestClient(this: RestClientNode, saved: RestClientDef) {
    RED.nodes.createNode(this, saved);
    // still sent, so an upgraded deployment keeps running; the editor marks them invalid
    const secretHeaders = secretHeaderNames(savedInFlow(saved.headers));
    if (secretHeaders.length)
      this.warn(RED._('rest-client.log.secret-in-flow', { headers: secretHeaders.join(', ') }));
    ownClient(RED, this, 'rest-client', () => {
      const config = migrate<RestClientDef>(saved, migrations);
      return new SharedRestClient(restClientOptionsFrom(config, this.credentials ?? {}));
    });
  }

  RED.nodes.registerType<RestClientNode, RestClientDef, object, RestClientCredentials>(
    'rest-client',
    RestClient,
    { credentials: credentialTypes },
  );
}
