import type { Node, NodeDef } from 'node-red';
import {
  compileMapping,
  compileOutbound,
  loadSystemSpec,
  type CompiledMapping,
  type CompiledOutbound,
  type SystemSpec,
} from '../../mappings/engine';
import { ensureHubRoutes } from '../shared/mount';
import type { RED } from '../shared/red';
import { registerPreviewRoute } from './preview-route';

export interface LegacySystemDef extends NodeDef {
  systemId: string;
  format: string;
  /** empty: the spec shipped in mappings/systems/<systemId>.json; otherwise a JSON spec of the user's */
  mapping: string;
}

export interface LegacySystemNode extends Node<{ user?: string; password?: string }> {
  systemId: string;
  format: string;
  /** the compiled mapping for one inbound record kind (e.g. a SOAP operation), compiled once and cached */
  inbound(recordKind: string): CompiledMapping;
  /** the compiled mapping from a canonical document to one record kind the system receives */
  outbound(recordKind: string): CompiledOutbound;
}

export default function (RED: RED) {
  ensureHubRoutes(RED);
  registerPreviewRoute(RED);

  function LegacySystem(this: LegacySystemNode, config: LegacySystemDef) {
    RED.nodes.createNode(this, config);
    this.systemId = (config.systemId || '').trim();
    this.format = config.format || 'soap';
    let spec: SystemSpec | undefined;
    let specError: Error | undefined;
    try {
      spec = config.mapping?.trim()
        ? (JSON.parse(config.mapping) as SystemSpec)
        : loadSystemSpec(this.systemId);
    } catch (err) {
      // Reported on every use too, so the flow shows which record could not be mapped and why.
      specError = new Error(
        `mapping of system '${this.systemId}' cannot be loaded: ${(err as Error).message}`,
      );
      this.error(specError.message);
    }
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

  RED.nodes.registerType<LegacySystemNode, LegacySystemDef, object, { user?: string; password?: string }>(
    'legacy-system',
    LegacySystem,
    {
      credentials: { user: { type: 'text' }, password: { type: 'password' } },
    },
  );
}
