import type { SharedSoapClient, SoapClientState } from '../../connectors/soap/shared-client';
import { ownClient, type ClientOwnerNode } from '../shared/client-owner';
import { migrate } from '../shared/migrate';
import { ensureHubRoutes } from '../shared/mount';
import type { RED } from '../shared/red';
import { migrations } from './migrations';
import {
  credentialTypes,
  sharedClientFrom,
  userDirOf,
  type SoapClientCredentials,
  type SoapClientDef,
} from './options';

/** soap-request nodes register with it; the first one loads the WSDL, the last one releases it. */
export type SoapClientNode = ClientOwnerNode<SharedSoapClient, SoapClientCredentials>;

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
    const shared = ownClient(RED, this, 'soap-client', () =>
      sharedClientFrom(config, this.credentials ?? {}, userDirOf(RED)),
    );
    const onState = (state: SoapClientState, detail: string | undefined) => {
      if (state === 'no-wsdl') this.warn(RED._('soap-client.errors.wsdl', { error: detail ?? '' }));
    };
    shared?.on('state', onState);
  }

  RED.nodes.registerType<SoapClientNode, SoapClientDef, object, SoapClientCredentials>(
    'soap-client',
    SoapClient,
    { credentials: credentialTypes },
  );
}
