import { loadSystemSpec, type SystemSpec } from '../../mappings/engine';
import type { LegacySystemNode } from '../legacy-system/legacy-system';
import type { RED } from '../shared/red';

/**
 * The mapping spec a deployed legacy-system node uses: the JSON typed into it, else the spec shipped
 * for its system id. Read from the deployed flow's definition of the config node (Node-RED's
 * eachNode), since the node itself only hands out compiled mappings, not the spec's format.
 */
export function systemSpecOf(RED: RED, system: LegacySystemNode): SystemSpec {
  let mapping = '';
  RED.nodes.eachNode((def) => {
    const own = def as { id: string; mapping?: unknown };
    if (own.id === system.id && typeof own.mapping === 'string') mapping = own.mapping.trim();
  });
  return mapping ? (JSON.parse(mapping) as SystemSpec) : loadSystemSpec(system.systemId);
}
