import path from 'node:path';

/** The WSDLs shipped with the hub (crm, hub), beside this file in sources and in dist alike. */
export const SHIPPED_WSDL_DIR = path.join(__dirname, 'wsdl');

export function isWsdlUrl(source: string): boolean {
  return /^https?:\/\//i.test(source.trim());
}

/**
 * Where a configured WSDL is: `builtin:<name>` is a WSDL shipped with the hub, an http(s) URL stays a
 * URL, and anything else is a file relative to the Node-RED user directory (so a flow moves with its
 * user directory). The soap-service and soap-client nodes both read their WSDL setting through here.
 */
export function resolveWsdlLocation(source: string, userDir: string): string {
  const trimmed = (source ?? '').trim();
  if (!trimmed) throw new Error('wsdl: no WSDL file or URL is configured');
  const builtin = /^builtin:([a-z0-9-]+)$/i.exec(trimmed);
  if (builtin) return path.join(SHIPPED_WSDL_DIR, `${builtin[1]}.wsdl`);
  if (/^builtin:/i.test(trimmed))
    throw new Error(`wsdl: "${trimmed}" names no shipped WSDL (builtin:<name>)`);
  return isWsdlUrl(trimmed) ? trimmed : path.resolve(userDir, trimmed);
}
