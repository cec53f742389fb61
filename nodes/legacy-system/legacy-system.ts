import type { Node, NodeDef } from 'node-red';
import {
  compileMapping,
  compileOutbound,
  loadSystemSpec,
  type CompiledMapping,
  type CompiledOutbound,
  type SystemSpec,
} from '../../mappings/engine';
import { parseSystemTrust, type SystemTrust } from '../../records/trust';
import { hubRuntime } from '../shared/hub-runtime';
import { migrate } from '../shared/migrate';
import { ensureHubRoutes } from '../shared/mount';
import { errorMessage, type RED } from '../shared/red';
import { migrations } from './migrations';
import { registerPreviewRoute } from './preview-route';

export interface LegacySystemDef extends NodeDef {
  systemId: string;
  /** empty: the spec shipped in mappings/systems/<systemId>.json; otherwise a JSON spec of the user's */
  mapping: string;
  /** source trust, 0..100, for the attributes the overrides do not name */
  trustDefault: number | string;
  /** per attribute: "address: 90, email: 40" */
  trust: string;
}

export interface LegacySystemNode extends Node {
  systemId: string;
  /** the trust survivorship gives this system's records; undefined while the config is wrong */
  trust?: SystemTrust;
  /** the compiled mapping for one inbound record kind (e.g. a SOAP operation), compiled once and cached */
  inbound(recordKind: string): CompiledMapping;
  /** the compiled mapping from a canonical document to one record kind the system receives */
  outbound(recordKind: string): CompiledOutbound;
}

export default function (RED: RED) {
  ensureHubRoutes(RED);
  registerPreviewRoute(RED);

  function LegacySystem(this: LegacySystemNode, saved: LegacySystemDef) {
    RED.nodes.createNode(this, saved);
    const config = migrate<LegacySystemDef>(saved, migrations);
    this.systemId = (config.systemId || '').trim();
    let spec: SystemSpec | undefined;
    let specError: Error | undefined;
    try {
      spec = config.mapping?.trim()
        ? (JSON.parse(config.mapping) as SystemSpec)
        : loadSystemSpec(this.systemId);
    } catch (err) {
      // Reported on every use too, so the flow shows which record could not be mapped and why.
      specError = new Error(`mapping of system '${this.systemId}' cannot be loaded: ${errorMessage(err)}`, {
        cause: err,
      });
      this.error(specError.message);
    }
    stateTrust(this, config);
    this.on('close', (_removed: boolean, done: () => void) => {
      hubRuntime.trust.remove(this.id);
      done();
    });
    const inbound = new Map<string, CompiledMapping>();
    const outbound = new Map<string, CompiledOutbound>();

    this.inbound = (recordKind: string) => cached(inbound, recordKind, compileMapping);
    this.outbound = (recordKind: string) => cached(outbound, recordKind, compileOutbound);

    function cached<T>(
      cache: Map<string, T>,
      recordKind: string,
      compile: (s: SystemSpec, k: string) => T,
    ): T {
      let mapping = cache.get(recordKind);
      if (!mapping) {
        if (!spec) throw specError;
        mapping = compile(spec, recordKind);
        cache.set(recordKind, mapping);
      }
      return mapping;
    }
  }

  /**
   * Registers the system's trust with the hub runtime, where the golden record reads it. A wrong
   * config registers nothing (the system then counts the default trust) and says why.
   */
  function stateTrust(node: LegacySystemNode, config: LegacySystemDef): void {
    if (!node.systemId) return;
    try {
      node.trust = parseSystemTrust(config.trustDefault, config.trust);
    } catch (err) {
      node.error(RED._('legacy-system.errors.trust', { system: node.systemId, message: errorMessage(err) }));
      return;
    }
    const others = hubRuntime.trust.set(node.id, node.systemId, node.trust);
    if (others.length) {
      node.warn(
        RED._('legacy-system.errors.trust-twice', { system: node.systemId, others: others.join(', ') }),
      );
    }
  }

  RED.nodes.registerType('legacy-system', LegacySystem);
}
