/**
 * The "sourceRef" transform: a customer reference ("system:id") a caller sends beside the record's own
 * system and id must name that record. Otherwise one system's call could overwrite another system's
 * customer (customerRef sap:104712 on a record the CRM sends as crm:1).
 */
import { unpaddedSapRef } from './canonical/sap-numbers';
import { compileGetter, type Getter } from './path';
import { TransformError, TransformOptionError, asText, quote } from './transform-support';

export interface SourceRefOption {
  /** field path of the record's system, e.g. "customer.sourceSystem" */
  system: string;
  /** field path of the record's id in that system, e.g. "customer.sourceId" */
  id: string;
}

export function compileSourceRef(option: SourceRefOption): (value: unknown, scope?: unknown) => unknown {
  let system: Getter;
  let id: Getter;
  try {
    system = compileGetter(option.system);
    id = compileGetter(option.id);
  } catch (error) {
    throw new TransformOptionError(`sourceRef: ${(error as Error).message}`);
  }
  return (value, scope) => {
    const given = unpaddedSapRef(asText('sourceRef', value).trim());
    const ownSystem = system(scope);
    const ownId = id(scope);
    // without the record's own system and id there is nothing to compare; their rules name the gap
    if (typeof ownSystem !== 'string' || typeof ownId !== 'string' || !ownSystem.trim() || !ownId.trim())
      return given;
    // SAP pads its KUNNR with zeros and the hub keys it without: sap:0000104712 is sap:104712
    const own = unpaddedSapRef(`${ownSystem.trim()}:${ownId.trim()}`);
    if (given !== own) {
      throw new TransformError(
        'sourceRef',
        `${quote(value)} is not the record ${option.system}:${option.id} names (${quote(own)}): send that reference or none`,
      );
    }
    return own;
  };
}
