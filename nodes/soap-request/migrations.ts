import { CLIENT_FIELDS } from '../soap-client/options';
import { FIRST_VERSION, type Migration, type SavedConfig } from '../shared/migrate';

/**
 * 2: the WSDL, endpoint, security, TLS and breaker settings moved to the soap-client config node. A
 * node saved before keeps working: its settings move into `inlineClient`, from which (with the node's
 * own credentials) it builds a private client, until the user picks a soap-client in the editor.
 */
function moveClientSettings(config: SavedConfig): SavedConfig {
  const out: SavedConfig = { ...config };
  const inline: SavedConfig = {};
  for (const field of CLIENT_FIELDS) {
    if (field in out) inline[field] = out[field];
    delete out[field];
  }
  const hasClient = typeof out.client === 'string' && out.client !== '';
  if (!hasClient && typeof inline.wsdl === 'string' && inline.wsdl.trim() !== '') out.inlineClient = inline;
  out.client = hasClient ? out.client : '';
  return out;
}

export const migrations: Migration[] = [FIRST_VERSION, { version: 2, up: moveClientSettings }];
