import fs from 'node:fs';
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

/**
 * For the editor's operations lookup, which a user of the editor asks with any text: a shipped WSDL,
 * an http(s) URL, or a file in the user directory or among the shipped WSDLs, never another file of
 * this machine (`/etc/passwd`, `../../.ssh/…`, or a link out of those directories). A deployed node
 * keeps any path its flow names: whoever deploys flows reads files with a file node anyway.
 */
export function resolveLookupWsdlLocation(source: string, userDir: string): string {
  const location = resolveWsdlLocation(source, userDir);
  if (isWsdlUrl(location)) return location;
  let real: string;
  try {
    real = fs.realpathSync(location);
  } catch {
    // a file that is not there fails to load, under its own name, where it is allowed
    real = path.join(realDir(path.dirname(location)), path.basename(location));
  }
  const within = (dir: string) => {
    const relative = path.relative(realDir(dir), real);
    return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
  };
  if (within(userDir) || within(SHIPPED_WSDL_DIR)) return location;
  throw new Error(
    'wsdl: the editor looks up a WSDL at an http(s) URL, a shipped one (builtin:<name>) or a file in ' +
      'the Node-RED user directory, by a path relative to it',
  );
}

function realDir(dir: string): string {
  try {
    return fs.realpathSync(dir);
  } catch {
    return path.resolve(dir);
  }
}
