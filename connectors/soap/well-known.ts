import path from 'node:path';

/**
 * Schemas that WSDLs import by the URL of their namespace, answered from small local schemas the hub
 * ships (in ./well-known, beside this file in sources and in dist alike) instead of the network: a hub
 * in a DMZ has no route to schemas.xmlsoap.org, and a WSDL must not load or fail by that server's mood.
 */
export const WELL_KNOWN_SCHEMA_DIR = path.join(__dirname, 'well-known');

const LOCAL_SCHEMAS = new Map([
  ['schemas.xmlsoap.org/soap/encoding', 'soap-encoding.xsd'],
  ['schemas.xmlsoap.org/wsdl', 'wsdl.xsd'],
]);

/** The local file for a well-known schema location (http or https, with or without the final /). */
export function wellKnownSchema(location: string): string | undefined {
  const match = /^https?:\/\/([^?#]+?)\/?$/i.exec(location.trim());
  const file = match ? LOCAL_SCHEMAS.get(match[1].toLowerCase()) : undefined;
  return file ? path.join(WELL_KNOWN_SCHEMA_DIR, file) : undefined;
}

/**
 * node-soap's `wsdl_options.overrideImportLocation` hook: where to read an import or include from.
 * It gets the location node-soap resolved, the importing document and the location as written.
 */
export function localImportLocation(resolved: string, _from: string, written: string): string {
  return wellKnownSchema(written) ?? wellKnownSchema(resolved) ?? resolved;
}
