import type { Node, NodeDef } from 'node-red';
import {
  loadSystemSpec,
  resolveSpecOverride,
  type CompiledMapping,
  type CompiledOutbound,
  type MapResult,
  type SystemSpec,
} from '../../mappings/engine';
import { SystemMappings, type Direction } from '../../mappings/system-mappings';
import { LegacyFormat } from '../../records/golden-legacy-format';
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
  /**
   * Why the mapping cannot be used in a direction, as the given record kinds or (none given) as any
   * of its kinds; undefined when it can. Compiles them, so a node can turn red at deploy.
   */
  problem(direction: Direction, recordKinds?: readonly string[]): Error | undefined;
  /** the spec's inbound record kind for a record no message names; undefined when the spec names none */
  inboundKindOf(record: Record<string, unknown>, recordRef?: string): MapResult<string> | undefined;
  /** the spec's outbound record kind (format.outboundRecordKind or its only one), if it names one */
  outboundKind(): string | undefined;
  /** the system's own message format (IDoc XML, CSV, …) as the spec's `format` says, read once */
  legacyFormat(): LegacyFormat;
}

export default function (RED: RED) {
  ensureHubRoutes(RED);
  registerPreviewRoute(RED);

  function LegacySystem(this: LegacySystemNode, saved: LegacySystemDef) {
    RED.nodes.createNode(this, saved);
    const config = migrate<LegacySystemDef>(saved, migrations);
    this.systemId = (config.systemId || '').trim();
    let spec: SystemSpec | undefined;
    let specError = new Error(`mapping of system '${this.systemId}' cannot be loaded`);
    try {
      spec = config.mapping?.trim() ? ownSpec(config.mapping) : loadSystemSpec(this.systemId);
    } catch (err) {
      // Reported on every use too, so the flow shows which record could not be mapped and why.
      specError = new Error(`${specError.message}: ${errorMessage(err)}`, { cause: err });
      this.error(specError.message);
    }
    stateTrust(this, config);
    this.on('close', (_removed: boolean, done: () => void) => {
      hubRuntime.trust.remove(this.id);
      done();
    });
    const mappings = spec && new SystemMappings(spec);
    const use = (): SystemMappings => {
      if (!mappings) throw specError;
      return mappings;
    };
    this.inbound = (recordKind) => use().inbound(recordKind);
    this.outbound = (recordKind) => use().outbound(recordKind);
    this.problem = (direction, recordKinds) =>
      mappings ? mappings.problem(direction, recordKinds) : specError;
    this.inboundKindOf = (record, recordRef) => use().inboundKindOf(record, recordRef);
    this.outboundKind = () => use().outboundKind;
    let format: LegacyFormat | Error | undefined;
    this.legacyFormat = () => {
      if (format === undefined) {
        try {
          format = new LegacyFormat(use().spec);
        } catch (err) {
          format = err instanceof Error ? err : new Error(errorMessage(err));
        }
      }
      if (format instanceof Error) throw format;
      return format;
    };
  }

  /** The spec typed into the node: JSON, as the editor checks it, and an object. */
  function ownSpec(mapping: string): SystemSpec {
    const spec: unknown = JSON.parse(mapping);
    if (spec === null || typeof spec !== 'object' || Array.isArray(spec))
      throw new Error('the mapping must be a JSON object, a mapping spec');
    // `"extends": "sap"` states only what the site changes of the shipped spec (partners, client)
    return resolveSpecOverride(spec as Record<string, unknown>);
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
