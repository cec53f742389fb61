import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..', '..');
const read = (file: string) =>
  JSON.parse(fs.readFileSync(path.join(root, file), 'utf8')) as Record<string, unknown>[];

describe('shipped flows', () => {
  const hub = read('flows/hub.json');

  it('offers the hub flow under Import > Examples unchanged', () => {
    expect(read('examples/address-change-mortgage-offer.json')).toEqual(hub);
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
