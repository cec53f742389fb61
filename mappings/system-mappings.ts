/**
 * One legacy system's spec as the nodes that share it use it: each record kind compiled once, the
 * check a node makes when it is deployed, and the record kind the spec gives a record that no message
 * names.
 */
import { compileMapping, type CompiledMapping } from './engine';
import { MappingSpecError, type MapResult, type SystemSpec } from './mapping-types';
import { compileOutbound, type CompiledOutbound } from './outbound';
import { compileSpecRecordKind, specOutboundKind, type RecordKindResolver } from './record-kind';
import { isPlainObject } from './transform-support';

export type Direction = 'inbound' | 'outbound';

export class SystemMappings {
  // a kind that does not compile keeps its error, so each of its records fails without compiling again
  private readonly compiled = {
    inbound: new Map<string, CompiledMapping | Error>(),
    outbound: new Map<string, CompiledOutbound | Error>(),
  };
  private kindOf: RecordKindResolver | undefined | Error | null = null;

  constructor(readonly spec: SystemSpec) {}

  /** Compiled on first use; throws MappingSpecError for a kind the spec lacks or cannot map. */
  inbound(recordKind: string): CompiledMapping {
    return this.cached('inbound', recordKind, () => compileMapping(this.spec, recordKind));
  }

  outbound(recordKind: string): CompiledOutbound {
    return this.cached('outbound', recordKind, () => compileOutbound(this.spec, recordKind));
  }

  /**
   * Why the spec cannot map in one direction, compiling what a node will use: the kinds given, else
   * every kind of the direction (inbound with the rule that names a record's kind). Undefined when it can.
   */
  problem(direction: Direction, recordKinds?: readonly string[]): Error | undefined {
    try {
      const kinds = recordKinds ?? this.recordKinds(direction);
      for (const kind of kinds) {
        if (direction === 'inbound') this.inbound(kind);
        else this.outbound(kind);
      }
      if (direction === 'inbound' && recordKinds === undefined) this.inboundKindResolver();
      return undefined;
    } catch (err) {
      return err instanceof Error ? err : new Error(String(err));
    }
  }

  /**
   * The inbound kind of a record no message names: format.recordKind / recordKindFrom, else the only
   * kind; undefined when the spec names none.
   */
  inboundKindOf(record: Record<string, unknown>, recordRef?: string): MapResult<string> | undefined {
    return this.inboundKindResolver()?.(record, recordRef);
  }

  /** format.outboundRecordKind, else format.recordKind when it is an outbound kind, else the only one. */
  get outboundKind(): string | undefined {
    return specOutboundKind(this.spec);
  }

  private recordKinds(direction: Direction): string[] {
    const kinds: unknown = this.spec[direction];
    if (isPlainObject(kinds)) return Object.keys(kinds);
    // compiling any kind says what is wrong with the list itself
    throw new MappingSpecError(
      direction === 'inbound'
        ? `mapping ${this.spec.system}: "inbound" must be an object of record kinds`
        : `mapping ${this.spec.system}: has no "outbound" record kinds`,
    );
  }

  private inboundKindResolver(): RecordKindResolver | undefined {
    if (this.kindOf === null) {
      try {
        this.kindOf = compileSpecRecordKind(this.spec);
      } catch (err) {
        this.kindOf = err instanceof Error ? err : new Error(String(err));
      }
    }
    if (this.kindOf instanceof Error) throw this.kindOf;
    return this.kindOf;
  }

  private cached<T extends object>(direction: Direction, recordKind: string, compile: () => T): T {
    const cache = this.compiled[direction] as Map<string, T | Error>;
    let mapping = cache.get(recordKind);
    if (mapping === undefined) {
      try {
        mapping = compile();
      } catch (err) {
        mapping = err instanceof Error ? err : new Error(String(err));
      }
      // a caller naming kinds from messages could grow the cache without end: only the spec's kinds stay
      if (mapping instanceof Error && !this.isKind(direction, recordKind)) throw mapping;
      cache.set(recordKind, mapping);
    }
    if (mapping instanceof Error) throw mapping;
    return mapping;
  }

  private isKind(direction: Direction, recordKind: string): boolean {
    const kinds: unknown = this.spec[direction];
    return isPlainObject(kinds) && Object.hasOwn(kinds, recordKind);
  }
}
