import fs from 'node:fs';
import path from 'node:path';
import jsonata from 'jsonata';

const root = path.resolve(__dirname, '..', '..', '..');
const read = (file: string) =>
  JSON.parse(fs.readFileSync(path.join(root, file), 'utf8')) as Record<string, unknown>[];

/** flows/hub.json and every example, by file */
const shippedFlows = (): Record<string, Record<string, unknown>[]> =>
  Object.fromEntries(
    [
      'flows/hub.json',
      ...fs
        .readdirSync(path.join(root, 'examples'))
        .filter((name) => name.endsWith('.json'))
        .map((name) => `examples/${name}`),
    ].map((file) => [file, read(file)]),
  );

describe('shipped flows', () => {
  const hub = read('flows/hub.json');

  it('offers the hub flow under Import > Examples unchanged', () => {
    expect(read('examples/address-change-mortgage-offer.json')).toEqual(hub);
  });

  it("leaves the SOAP services' size limit to CRM_HUB_SOAP_MAX_BYTES", () => {
    const services = hub.filter((n) => n.type === 'soap-service');
    expect(services.map((n) => n.maxBytes)).toEqual(['', '']);
  });

  it('offers the Record sync tab standalone as it ships, with the config nodes it uses', () => {
    const nodes = hub.filter((n) => n.z === 'tab-sync');
    const config = new Map(hub.filter((n) => n.z === undefined && n.type !== 'tab').map((n) => [n.id, n]));
    const used = new Set<string>();
    const visit = (node: Record<string, unknown>) => {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'id' || key === 'wires' || typeof value !== 'string') continue;
        const referenced = config.get(value);
        if (referenced && !used.has(value)) {
          used.add(value);
          visit(referenced);
        }
      }
    };
    nodes.forEach(visit);
    const example = read('examples/record-sync.json');
    const byId = (a: Record<string, unknown>, b: Record<string, unknown>) =>
      String(a.id).localeCompare(String(b.id));
    const expected = [
      hub.find((n) => n.id === 'tab-sync'),
      ...hub.filter((n) => used.has(n.id as string)),
      ...nodes,
    ];
    expect([...example].sort(byId)).toEqual([...(expected as Record<string, unknown>[])].sort(byId));
    // the apps' events row is part of it
    expect(example.map((n) => n.id)).toEqual(
      expect.arrayContaining(['cfg-app-events', 'sync-map-app-events']),
    );
  });

  it("shows the demo's IDoc to SAP in the debug sidebar, as the Demo tab says, and no other record's", () => {
    const comment = hub.find((n) => n.id === 'demo-c6');
    const named = /debug "([^"]+)"/.exec(String(comment?.name))?.[1];
    const debug = hub.find((n) => n.type === 'debug' && n.name === named);
    expect(debug).toMatchObject({ active: true, tosidebar: true });
    const feeding = (id: unknown) =>
      hub.filter((n) => ((n.wires ?? []) as string[][]).some((port) => port.includes(id as string)));
    // a sync of thousands of customers must not flood the sidebar: a filter sits before it
    const [filter, ...others] = feeding(debug?.id);
    expect(others).toEqual([]);
    // a function node: a switch never reports completion, and the golden change would not be acknowledged
    expect(filter).toMatchObject({ type: 'function' });
    expect(feeding(filter.id).map((n) => n.id)).toEqual(['sync-out-sap']);
    // the demo's SAP customer is KUNNR 0000080042; the sync's message id ends with the target record
    const demoKunnr = /<KUNNR>0*(\d+)</.exec(String(hub.find((n) => n.id === 'demo-sync-sap')?.payload))?.[1];
    expect(demoKunnr).toBe('80042');
    const passes = (messageId: string) => new Function('msg', String(filter.func))({ messageId }) !== null;
    expect(passes('2f0c6a1e-0000-4000-8000-000000000001:sap:80042')).toBe(true);
    expect(passes('2f0c6a1e-0000-4000-8000-000000000001:sap:800421')).toBe(false);
    expect(passes('2f0c6a1e-0000-4000-8000-000000000001:sap:4711')).toBe(false);
  });

  it('shows under "golden record" the golden record the Demo tab\'s sync made, not SAP\'s own record', async () => {
    const debug = hub.find((n) => n.id === 'demo-sync-golden');
    expect(debug).toMatchObject({ name: 'golden record', targetType: 'jsonata' });
    const shown = (payload: unknown) => jsonata(String(debug?.complete)).evaluate({ payload });
    // the customer 360 of sap:80042 after both buttons, cut to what the sidebar is about
    const golden = {
      schemaVersion: '1.0',
      customerRef: 'hub:g-9w2g6pwtjvrtkrw9yrnzmsbemg',
      kind: 'person',
      addresses: [{ type: 'home', street: 'Leopoldstraße', city: 'München', country: 'DE' }],
      dataQuality: { complete: false, gaps: ['birthDate'], score: 0.83 },
    };
    const lineage = {
      'addresses[0]': { source: { system: 'siebel', sourceId: '1-DEMO42' }, rule: 'recency' },
    };
    const answer = {
      customerRef: 'sap:80042',
      customer: { customerRef: 'sap:80042', document: { addresses: [{ street: 'Sendlinger Straße' }] } },
      offers: [],
      lastInteractions: [],
      goldenId: 'g-9w2g6pwtjvrtkrw9yrnzmsbemg',
      xrefs: ['sap:80042', 'siebel:1-DEMO42'],
      document: golden,
      lineage,
    };
    expect(await shown(answer)).toEqual({
      goldenId: 'g-9w2g6pwtjvrtkrw9yrnzmsbemg',
      xrefs: ['sap:80042', 'siebel:1-DEMO42'],
      document: golden,
      lineage,
    });
    // clicked before the hub took the IDoc in: the answer's error, as it came
    const unknown = { error: 'unknown-customer', message: 'the hub knows nothing about customer sap:80042' };
    expect(await shown(unknown)).toEqual(unknown);
  });

  it('puts no node that never reports completion (switch, filter) after an amqp-in', () => {
    // amqp-in acknowledges a message once every node it reached called done; these two never do
    const noDone = new Set(['switch', 'rbe']);
    const offenders: string[] = [];
    for (const [file, nodes] of Object.entries(shippedFlows())) {
      const byId = new Map(nodes.map((n) => [n.id as string, n]));
      const seen = new Set<string>();
      const next = nodes.filter((n) => n.type === 'amqp-in').map((n) => n.id as string);
      while (next.length > 0) {
        const id = next.pop() as string;
        if (seen.has(id)) continue;
        seen.add(id);
        const node = byId.get(id);
        if (noDone.has(String(node?.type))) offenders.push(`${file}: ${id} (${String(node?.type)})`);
        for (const port of (node?.wires ?? []) as string[][]) next.push(...port);
      }
    }
    expect(offenders).toEqual([]);
  });

  it('uses only node types that Node-RED core or this package provides', () => {
    const ours = Object.keys(
      (
        JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
          'node-red': { nodes: object };
        }
      )['node-red'].nodes,
    );
    const core = [
      'tab',
      'comment',
      'change',
      'switch',
      'debug',
      'catch',
      'inject',
      'template',
      'http request',
      // the Demo tab's simulated gateways and its paced REST calls
      'http in',
      'http response',
      'function',
      'delay',
      'split',
    ];
    const unknown = hub.map((n) => n.type as string).filter((t) => !ours.includes(t) && !core.includes(t));
    expect(unknown).toEqual([]);
  });

  it('keeps secrets out of the flow: broker and database URLs come from the environment', () => {
    const broker = hub.find((n) => n.type === 'amqp-broker');
    const store = hub.find((n) => n.type === 'hub-store');
    expect(broker?.urls).toBe('${AMQP_URL}');
    expect(store?.databaseUrl).toBe('${DATABASE_URL}');
    expect(JSON.stringify(hub)).not.toMatch(/password|guest:guest/i);
  });

  it('gives no node an id that another node uses as a property value of its own', () => {
    // Node-RED reads such a value as a config-node reference and refuses a circular one
    for (const node of hub) {
      const values = Object.entries(node)
        .filter(([k]) => k !== 'id' && k !== 'z' && k !== 'wires')
        .map(([, v]) => v);
      expect(values).not.toContain(node.id);
    }
  });
});
