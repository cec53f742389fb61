/**
 * The methods a path of an express app takes, read from the app's own routes, for an OPTIONS answered
 * before the request reaches them (app/api/cross-origin.ts: Node-RED's editor app would end it first).
 * A resource's 405 names its methods (api-error.ts methodNotAllowed, whose handler carries the list as
 * `allow`): that list is the answer, so OPTIONS and 405 cannot drift apart. A route without one (the
 * `/healthz` GET) answers the methods it was registered for. Undefined: no route takes the path.
 */

/** The parts of express 4's Layer and Route this reads. */
interface Layer {
  match(path: string): boolean;
  path?: string;
  route?: { methods: Record<string, boolean | undefined>; stack: Array<{ handle: Tagged }> };
  handle: Tagged & { stack?: Layer[]; _router?: { stack: Layer[] } };
}

interface Tagged {
  allow?: unknown;
}

/** In the order the API's own lists name them. */
const ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

export interface RoutedApp {
  _router?: { stack: unknown[] };
}

export function allowedMethods(app: RoutedApp | undefined, path: string): string | undefined {
  const stack = app?._router?.stack as Layer[] | undefined;
  return stack ? walk(stack, path.split('?', 1)[0] || '/') : undefined;
}

function walk(stack: readonly Layer[], path: string): string | undefined {
  const methods = new Set<string>();
  for (const layer of stack) {
    if (!matches(layer, path)) continue;
    const route = layer.route;
    if (route) {
      const tagged = route.stack.find((l) => typeof l.handle.allow === 'string');
      if (tagged) return tagged.handle.allow as string;
      for (const [method, on] of Object.entries(route.methods)) {
        if (!on || method === '_all') continue;
        methods.add(method.toUpperCase());
        if (method === 'get') methods.add('HEAD');
      }
      continue;
    }
    // a router or an app mounted here: the rest of the path, below its mount point
    const inner = layer.handle.stack ?? layer.handle._router?.stack;
    if (!inner) continue;
    const rest = path.slice((layer.path ?? '').length);
    const found = walk(inner, rest.startsWith('/') ? rest : `/${rest}`);
    if (found) return found;
  }
  if (methods.size === 0) return undefined;
  return [...methods].sort((a, b) => rank(a) - rank(b)).join(', ');
}

function rank(method: string): number {
  const at = ORDER.indexOf(method);
  return at < 0 ? ORDER.length : at;
}

function matches(layer: Layer, path: string): boolean {
  try {
    return layer.match(path);
  } catch {
    // a parameter express cannot decode (%FF): it answers 400 to any method, so no method fits
    return false;
  }
}
