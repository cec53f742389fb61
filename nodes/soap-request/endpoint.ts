import type { Node } from 'node-red';
import type { SharedSoapClient } from '../../connectors/soap/shared-client';
import { sharedClientFrom } from '../soap-client/options';
import { useClient } from '../shared/client-owner';
import type { RED } from '../shared/red';
import type { SoapRequestCredentials, SoapRequestDef } from './options';

export interface Endpoint {
  shared: SharedSoapClient;
  /** true: built from the node's own (pre-soap-client) settings */
  private: boolean;
  release(done: () => void): void;
}

/**
 * The client a soap-request calls through: its soap-client's shared one, or, for a node saved before
 * soap-client existed, a private one built from its inline settings and its own credentials.
 */
export function endpointFor(
  RED: RED,
  node: Node<SoapRequestCredentials>,
  config: SoapRequestDef,
  userDir: string,
): Endpoint {
  if (config.client) {
    return { ...useClient<SharedSoapClient>(RED, node, config.client, 'soap-request'), private: false };
  }
  if (!config.inlineClient) throw new Error(RED._('soap-request.errors.no-client'));
  const shared = sharedClientFrom(config.inlineClient, node.credentials ?? {}, userDir);
  shared.register(node.id);
  return {
    shared,
    private: true,
    release: (done) => {
      shared.close();
      done();
    },
  };
}
