import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';

/**
 * What an integrator finds for every node in the editor, as for Node-RED's core nodes: help in
 * English and German with the usual sections, a label for every field in both languages, a check on
 * every required field, an icon, and at least one importable example under examples/ that uses it.
 *
 * The editor definition is read by running the node's <script type="text/javascript"> against a
 * stand-in RED that records what registerType receives, so computed defaults count as written ones.
 */
const root = path.resolve(__dirname, '..', '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  'node-red': { nodes: Record<string, string>; plugins?: Record<string, string> };
};
const TYPES = Object.keys(pkg['node-red'].nodes);

interface FieldDef {
  value?: unknown;
  type?: string;
  required?: boolean;
  validate?: unknown;
}
interface EditorDef {
  category: string;
  icon?: string;
  inputs?: number;
  outputs?: number;
  defaults: Record<string, FieldDef>;
  credentials?: Record<string, unknown>;
}

const folderOf = (type: string) => path.join(root, 'nodes', type);
const readText = (file: string) => fs.readFileSync(file, 'utf8');

/** No edit dialog is open: a selector finds nothing, as in the editor when it checks a loaded node. */
const NO_DIALOG = () => ({ length: 0 });

/**
 * What `$` is: while an editor function runs (oneditprepare) a stand-in that records form values,
 * otherwise NO_DIALOG (a validator may read a field of the open dialog when there is one).
 */
let jquery: (selector: unknown) => unknown = NO_DIALOG;

/** The nodes an example holds while its nodes are validated: RED.nodes.node looks them up. */
let loaded: FlowNode[] = [];

/**
 * The definition the node's editor script registers, with a RED that knows what a load and the
 * validators need. The validators behave as Node-RED 4.1's (editor-client validators.js).
 */
export function editorDefinition(type: string): EditorDef {
  const html = readText(path.join(folderOf(type), `${type}.html`));
  const scripts = [...html.matchAll(/<script type="text\/javascript">([\s\S]*?)<\/script>/g)].map(
    (m) => m[1],
  );
  const found: Record<string, EditorDef> = {};
  const RED = {
    nodes: {
      registerType: (name: string, def: EditorDef) => (found[name] = def),
      node: (id: string) => loaded.find((n) => n.id === id) ?? null,
    },
    validators: {
      number: (blankOk?: boolean) => (v: unknown) =>
        (blankOk === true && (v === '' || v === undefined)) || (v !== '' && !Number.isNaN(Number(v))),
      regex: (re: RegExp) => (v: unknown) => re.test(String(v)),
      typedInput: () => () => true,
    },
    _: (key: string) => key,
  };
  for (const script of scripts)
    vm.runInNewContext(script, { RED, $: (selector: unknown) => jquery(selector) });
  const def = found[type];
  if (!def) throw new Error(`${type}.html registers no '${type}'`);
  return def;
}

/**
 * Node-RED 4.1's check of one property as the editor runs it on a node it loaded or imported
 * (validateNodeProperty in editor-client): true, or why not. Fields an imported node leaves out stay
 * undefined: the import applies no defaults.
 */
function propertyProblem(
  node: FlowNode,
  field: string,
  def: FieldDef,
  valid: (n: FlowNode) => boolean,
): string | undefined {
  const value = node[field];
  if (typeof value === 'string' && /^\$[({][a-zA-Z_][a-zA-Z0-9_]*[)}]$/.test(value)) return undefined;
  if (def.required === true && value === '') return `${field} is required`;
  if (typeof def.validate === 'function') {
    if (def.required === false && value === '') return undefined;
    const result = (def.validate as (this: unknown, v: unknown, opt: object) => unknown).call(
      { ...node, _: (key: string) => key },
      value,
      {},
    );
    return result === true || (result && typeof result !== 'string')
      ? undefined
      : `${field}: ${String(result)}`;
  }
  if (def.type && TYPES.includes(def.type)) {
    if (!value || value === '_ADD_')
      return def.required === false ? undefined : `${field} names no ${def.type}`;
    const target = loaded.find((n) => n.id === value);
    if (!target || target.type !== def.type) return `${field} points at no ${def.type}`;
    if (!valid(target)) return `${field}: the ${def.type} is invalid`;
  }
  return undefined;
}

/** Every problem Node-RED's editor would flag on the example's CRM Hub nodes (the red triangle). */
function editorProblems(nodes: FlowNode[]): string[] {
  loaded = nodes;
  const memo = new Map<string, boolean>();
  const problemsOf = (node: FlowNode): string[] => {
    const def = editorDefinition(node.type);
    return Object.entries(def.defaults).flatMap(([field, fieldDef]) => {
      const problem = propertyProblem(node, field, fieldDef, valid);
      return problem ? [`${node.id} (${node.type}) ${problem}`] : [];
    });
  };
  const valid = (node: FlowNode): boolean => {
    if (!memo.has(node.id)) {
      memo.set(node.id, true); // a reference cycle counts as valid, as the editor's does
      memo.set(node.id, problemsOf(node).length === 0);
    }
    return memo.get(node.id)!;
  };
  return nodes.filter((node) => TYPES.includes(node.type)).flatMap(problemsOf);
}

/** Hidden fields the user never edits: the migration version (see NODE-STYLE.md, Versions). */
const HIDDEN = new Set(['version']);

const HEADINGS = {
  'en-US': { inputs: 'Inputs', outputs: 'Outputs', details: 'Details', references: 'References' },
  de: { inputs: 'Eingaben', outputs: 'Ausgaben', details: 'Details', references: 'Referenzen' },
} as const;

function headingsOf(html: string): string[] {
  return [...html.matchAll(/<h3>([^<]*)<\/h3>/g)].map((m) => m[1].trim());
}

function labelsOf(type: string, lang: string): Record<string, unknown> {
  const catalog = JSON.parse(readText(path.join(folderOf(type), 'locales', lang, `${type}.json`))) as Record<
    string,
    { label?: Record<string, unknown> }
  >;
  return catalog[type]?.label ?? {};
}

interface FlowNode {
  id: string;
  type: string;
  z?: string;
  wires?: string[][];
  [key: string]: unknown;
}

const EXAMPLES = fs
  .readdirSync(path.join(root, 'examples'))
  .filter((file) => file.endsWith('.json'))
  .sort();
const readExample = (file: string) => JSON.parse(readText(path.join(root, 'examples', file))) as FlowNode[];

/** The node types Node-RED's core registers (read from its editor files, so a new release counts). */
function coreTypes(): Set<string> {
  const core = path.join(path.dirname(require.resolve('@node-red/nodes/package.json')), 'core');
  const types = new Set(['tab', 'subflow', 'group', 'junction']);
  for (const category of fs.readdirSync(core)) {
    const dir = path.join(core, category);
    if (!fs.statSync(dir).isDirectory()) continue;
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.html'))) {
      for (const m of readText(path.join(dir, file)).matchAll(/registerType\(\s*['"]([^'"]+)['"]/g))
        types.add(m[1]);
    }
  }
  return types;
}

describe('every CRM Hub node is complete in the editor', () => {
  it('registers the nodes of the palette', () => {
    expect(TYPES.length).toBeGreaterThanOrEqual(19);
  });

  describe.each(TYPES)('%s', (type) => {
    const def = editorDefinition(type);
    const isConfig = def.category === 'config';

    it('sits in the CRM Hub category or is a config node', () => {
      expect(['CRM Hub', 'config']).toContain(def.category);
    });

    it.each(['en-US', 'de'] as const)('has complete %s help', (lang) => {
      const file = path.join(folderOf(type), 'locales', lang, `${type}.html`);
      const html = readText(file);
      expect(html).toContain(`data-help-name="${type}"`);
      const words = HEADINGS[lang];
      const wanted: string[] = [];
      if (!isConfig && (def.inputs ?? 0) > 0) wanted.push(words.inputs);
      if (!isConfig && (def.outputs ?? 0) > 0) wanted.push(words.outputs);
      wanted.push(words.details, words.references);
      const headings = headingsOf(html);
      for (const heading of wanted)
        expect([type, lang, headings]).toEqual([type, lang, expect.arrayContaining([heading])]);
      // in Node-RED's order: inputs before outputs before details before references
      const order = wanted.map((heading) => headings.indexOf(heading));
      expect(order).toEqual([...order].sort((a, b) => a - b));
      if (wanted.includes(words.inputs) || wanted.includes(words.outputs))
        expect(html).toContain('<dl class="message-properties">');
      // references are links, as in the core help
      const references = html.slice(html.indexOf(`<h3>${words.references}</h3>`));
      expect(references).toMatch(/<a [^>]*href="[^"]+"/);
    });

    it.each(['en-US', 'de'])('labels every field in %s', (lang) => {
      const labels = labelsOf(type, lang);
      const fields = [...Object.keys(def.defaults), ...Object.keys(def.credentials ?? {})].filter(
        (field) => !HIDDEN.has(field),
      );
      expect(fields.filter((field) => typeof labels[field] !== 'string')).toEqual([]);
    });

    it('checks every required field (a validator, or a config-node reference Node-RED checks)', () => {
      const unchecked = Object.entries(def.defaults)
        .filter(([, field]) => field.required === true)
        .filter(([, field]) => typeof field.validate !== 'function' && typeof field.type !== 'string')
        .map(([name]) => name);
      expect(unchecked).toEqual([]);
    });

    it('has an icon Node-RED ships or one of its own', () => {
      expect(typeof def.icon).toBe('string');
      const icon = def.icon!;
      if (icon.startsWith('font-awesome/')) expect(icon).toMatch(/^font-awesome\/fa-[a-z0-9-]+$/);
      else expect(fs.existsSync(path.join(folderOf(type), 'icons', icon))).toBe(true);
    });

    it('shows its state with status dots worded in both languages (flow nodes)', () => {
      if (isConfig) return;
      for (const lang of ['en-US', 'de']) {
        const catalog = JSON.parse(
          readText(path.join(folderOf(type), 'locales', lang, `${type}.json`)),
        ) as Record<string, { status?: Record<string, string> }>;
        expect([type, lang, Object.keys(catalog[type]?.status ?? {}).length > 0]).toEqual([type, lang, true]);
      }
      // the runtime sets it itself or through the shared helpers that do (nodes/shared)
      const source = fs
        .readdirSync(folderOf(type))
        .filter((file) => file.endsWith('.ts'))
        .map((file) => readText(path.join(folderOf(type), file)))
        .join('\n');
      expect(source).toMatch(
        /\.status\(|countStatus|followState|refuseInvalidConfig|refuseMessages|onMappingInput|register\(this\)/,
      );
    });

    it('appears in an example flow', () => {
      const users = EXAMPLES.filter((file) => readExample(file).some((node) => node.type === type));
      expect([type, users.length > 0]).toEqual([type, true]);
    });
  });
});

describe('the example flows import cleanly', () => {
  const known = new Set([...coreTypes(), ...TYPES]);

  it('ships examples, the hub flow among them unchanged', () => {
    expect(EXAMPLES.length).toBeGreaterThanOrEqual(3);
    expect(readExample('address-change-mortgage-offer.json')).toEqual(
      JSON.parse(readText(path.join(root, 'flows', 'hub.json'))),
    );
  });

  it.each(EXAMPLES)('%s: known types, unique ids, wires and config references that exist', (file) => {
    const nodes = readExample(file);
    const ids = new Set(nodes.map((node) => node.id));
    expect(ids.size).toBe(nodes.length);
    expect(nodes.filter((node) => !known.has(node.type)).map((node) => node.type)).toEqual([]);
    const tabs = new Set(nodes.filter((node) => node.type === 'tab').map((node) => node.id));
    expect(tabs.size).toBeGreaterThan(0);
    for (const node of nodes) {
      if (node.z !== undefined && node.z !== '') expect([node.id, tabs.has(node.z)]).toEqual([node.id, true]);
      for (const target of (node.wires ?? []).flat())
        expect([node.id, target, ids.has(target)]).toEqual([node.id, target, true]);
    }
    // no node of ours would show the red triangle after the import
    expect(editorProblems(nodes)).toEqual([]);
  });

  it.each(EXAMPLES)(
    '%s: every CRM Hub node carries every field its editor defaults declare, at the current version',
    (file) => {
      // Opening a node and pressing Done writes what the form holds: a field the flow leaves out shows
      // empty and is saved empty, and an empty winnersPerChannel or trustDefault makes the node invalid.
      const missing = readExample(file)
        .filter((node) => TYPES.includes(node.type))
        .flatMap((node) => {
          const defaults = editorDefinition(node.type).defaults;
          // (a default without a value is a field older nodes kept, which the form leaves alone)
          const absent = Object.entries(defaults)
            .filter(([field, def]) => def.value !== undefined && !Object.hasOwn(node, field))
            .map(([field]) => field);
          const stale = node.version !== defaults.version?.value ? [`version ${String(node.version)}`] : [];
          return [...absent, ...stale].map((what) => `${node.id} (${node.type}) ${what}`);
        });
      expect(missing).toEqual([]);
    },
  );

  it.each(EXAMPLES)('%s: every <placeholder> in a tab or comment text shows in the editor', (file) => {
    // The info sidebar renders these texts as markdown, which passes HTML through: a bare
    // crm.out.<system> showed as "crm.out." (a tag <system> with nothing in it). In a code span it shows.
    const swallowed = readExample(file).flatMap((node) =>
      typeof node.info !== 'string'
        ? []
        : node.info
            .split(/(```[\s\S]*?```|`[^`\n]*`)/)
            .filter((_, i) => i % 2 === 0)
            .flatMap((prose) =>
              [...prose.matchAll(/\S*<[a-zA-Z][^>]*>\S*/g)].map((m) => `${node.id}: ${m[0]}`),
            ),
    );
    expect(swallowed).toEqual([]);
  });

  it('uses every CRM Hub node in at least one example', () => {
    const used = new Set(EXAMPLES.flatMap((file) => readExample(file).map((node) => node.type)));
    expect(TYPES.filter((type) => !used.has(type))).toEqual([]);
  });

  it('shows an amqp-in saved before the delivery limit existed as valid, and refuses one the broker would not take', () => {
    const broker = { id: 'b', type: 'amqp-broker', urls: 'amqp://127.0.0.1', heartbeat: '30', version: 2 };
    const saved = {
      id: 'in',
      type: 'amqp-in',
      broker: 'b',
      queue: 'q',
      bindings: '#',
      prefetch: '10',
      ack: 'flow',
      timeout: '60000',
      store: '',
      version: 3,
    };
    expect(editorProblems([broker, saved])).toEqual([]);
    expect(editorProblems([broker, { ...saved, deliveryLimit: '4294967295', version: 4 }])).toEqual([]);
    expect(editorProblems([broker, { ...saved, deliveryLimit: '4294967296', version: 4 }])).toEqual([
      'in (amqp-in) deliveryLimit: false',
    ]);
  });
});

describe('opening a node saved by an older version', () => {
  /**
   * Runs the node's oneditprepare as Node-RED 4.1 does after it filled the form: every input holds the
   * node's value, "" where the node has none. Returns the form as Done would read it.
   */
  function openAndDone(node: FlowNode, prefix: 'node-input' | 'node-config-input'): Record<string, unknown> {
    const def = editorDefinition(node.type) as EditorDef & { oneditprepare?: (this: object) => void };
    const form: Record<string, unknown> = {};
    for (const field of Object.keys(def.defaults)) form[`#${prefix}-${field}`] = node[field] ?? '';
    const chain: Record<string, unknown> = new Proxy({}, { get: () => () => chain });
    jquery = (selector) => {
      const key = String(selector);
      return new Proxy(chain, {
        get: (_target, name) =>
          name === 'val'
            ? (value?: unknown) => (value === undefined ? form[key] : ((form[key] = value), chain))
            : () => chain,
      });
    };
    try {
      def.oneditprepare?.call({ ...node, _def: def, _: (key: string) => key });
    } finally {
      jquery = NO_DIALOG;
    }
    return Object.fromEntries(Object.keys(def.defaults).map((field) => [field, form[`#${prefix}-${field}`]]));
  }

  it('shows a policy engine saved before arbitration with the defaults, so Done keeps it valid', () => {
    const saved = {
      id: 'engine',
      type: 'policy-engine',
      name: '',
      store: '',
      sweepSeconds: '30',
      version: 2,
    };
    const done = { ...saved, ...openAndDone(saved, 'node-input'), version: 2 };
    expect(done).toMatchObject({ arbitrateBy: 'priority', winnersPerChannel: '1' });
    expect(editorProblems([done])).toEqual([]);
  });

  it('shows a legacy system saved before trust with the default trust, so Done keeps it valid', () => {
    const saved = {
      id: 'cfg-crm',
      type: 'legacy-system',
      name: 'CRM',
      systemId: 'crm',
      mapping: '',
      version: 2,
    };
    const done = { ...saved, ...openAndDone(saved, 'node-config-input'), version: 2 };
    expect(done).toMatchObject({ trustDefault: 50, trust: '' });
    expect(editorProblems([done])).toEqual([]);
  });

  it('marks a legacy system whose mapping is not a JSON object, as the runtime reads it', () => {
    const system = {
      id: 's',
      type: 'legacy-system',
      systemId: 'shop',
      trustDefault: 50,
      trust: '',
      version: 3,
    };
    const spec = JSON.stringify({ system: 'shop', title: 'Shop', inbound: {} });
    for (const mapping of ['', '  ', spec]) expect(editorProblems([{ ...system, mapping }])).toEqual([]);
    for (const mapping of ['mappings/shop.yaml', '{ nope', '[]', '42'])
      expect(editorProblems([{ ...system, mapping }])).toEqual([
        's (legacy-system) mapping: legacy-system.errors.mapping-json',
      ]);
  });

  it('leaves a value the node holds as it is', () => {
    const saved = {
      id: 'e',
      type: 'policy-engine',
      store: '',
      sweepSeconds: '30',
      arbitrateBy: 'score',
      winnersPerChannel: '3',
      version: 3,
    };
    expect(openAndDone(saved, 'node-input')).toMatchObject({ arbitrateBy: 'score', winnersPerChannel: '3' });
  });
});

describe('the CRM Hub sidebar plugin', () => {
  const folder = path.join(root, 'nodes', 'crm-hub-sidebar');
  const html = readText(path.join(folder, 'crm-hub-sidebar.html'));
  const catalog = (lang: string) =>
    (
      JSON.parse(readText(path.join(folder, 'locales', lang, 'crm-hub-sidebar.json'))) as Record<
        string,
        Record<string, string>
      >
    )['crm-hub-sidebar'];

  it('is registered as a Node-RED plugin of the package, built beside the nodes', () => {
    expect(pkg['node-red'].plugins).toEqual({
      'crm-hub-sidebar': 'dist/nodes/crm-hub-sidebar/crm-hub-sidebar.js',
    });
    expect(fs.existsSync(path.join(folder, 'crm-hub-sidebar.ts'))).toBe(true);
  });

  it('adds the "crm-hub" sidebar tab with an icon, and links to the console', () => {
    expect(html).toContain("RED.plugins.registerPlugin('crm-hub-sidebar'");
    expect(html).toMatch(/RED\.sidebar\.addTab\(\{\s*id: 'crm-hub',/);
    expect(html).toMatch(/iconClass: 'fa fa-[a-z-]+'/);
    expect(html).toContain('href="console/"');
  });

  it('has every text it uses in English and German', () => {
    const used = [...html.matchAll(/\bt\('([a-zA-Z]+)'/g)].map((m) => m[1]);
    expect(used.length).toBeGreaterThan(10);
    const english = catalog('en-US');
    const german = catalog('de');
    expect(Object.keys(german).sort()).toEqual(Object.keys(english).sort());
    expect([...new Set(used)].filter((key) => typeof english[key] !== 'string')).toEqual([]);
    expect(english.label).toBe('CRM Hub');
  });
});

/** The editor marks a broker or database URL the runtime cannot use, before anything is deployed. */
type Check = (v: string) => true | string;
const checkOf = (type: string, field: string): Check => {
  const validate = editorDefinition(type).defaults[field].validate as (
    this: object,
    v: string,
  ) => true | string;
  return (v) => validate.call({ _: (key: string) => key }, v);
};

describe('URL checks in the editor', () => {
  it('amqp-broker: amqp:// and amqps:// URLs, ${VAR} and empty pass; http:// does not', () => {
    const urls = checkOf('amqp-broker', 'urls');
    expect(urls('')).toBe(true);
    expect(urls('${AMQP_URL}')).toBe(true);
    expect(urls('amqp://10.0.0.1:5672, amqps://rabbit-2.example.org/prod')).toBe(true);
    expect(urls('amqp://a:5672\nhttp://127.0.0.1:1/')).toBe('amqp-broker.errors.urls');
  });

  it('soap-request: a soap-client is required, unless the node still carries its own WSDL', () => {
    const validate = editorDefinition('soap-request').defaults.client.validate as (
      this: object,
      v: string,
    ) => true | string;
    expect(editorDefinition('soap-request').defaults.client.required).toBeUndefined();
    expect(validate.call({ _: (key: string) => key }, '')).toBe('soap-request.errors.no-client');
    expect(validate.call({ _: (key: string) => key, wsdl: 'http://x/?wsdl' }, '')).toBe(true);
    expect(validate.call({ _: (key: string) => key }, 'client-1')).toBe(true);
  });

  it('hub-store: postgres:// and postgresql:// URLs, ${VAR} and empty pass; mysql:// does not', () => {
    const databaseUrl = checkOf('hub-store', 'databaseUrl');
    expect(databaseUrl('')).toBe(true);
    expect(databaseUrl('${DATABASE_URL}')).toBe(true);
    expect(databaseUrl('postgres://hub@127.0.0.1:5432/crm')).toBe(true);
    expect(databaseUrl('postgresql://hub@db/crm')).toBe(true);
    expect(databaseUrl('mysql://u:pw@127.0.0.1/x')).toBe('hub-store.errors.database-url');
  });
});
