import { DisabledNodes, type FlowElement } from '../../../nodes/amqp-in/disabled-nodes';

/** a tab with an amqp-in, a disabled debug, a disabled tab, and a subflow used inside another one */
const config: FlowElement[] = [
  { id: 'tab-1', type: 'tab' },
  { id: 'tab-off', type: 'tab', disabled: true },
  { id: 'in', type: 'amqp-in', z: 'tab-1' },
  { id: 'debug-off', type: 'debug', z: 'tab-1', d: true },
  { id: 'fn-on', type: 'function', z: 'tab-1' },
  { id: 'on-disabled-tab', type: 'function', z: 'tab-off' },
  { id: 'sf-inner', type: 'subflow' },
  { id: 'inner-off', type: 'debug', z: 'sf-inner', d: true },
  { id: 'inner-on', type: 'function', z: 'sf-inner' },
  { id: 'sf-outer', type: 'subflow' },
  { id: 'nested', type: 'subflow:sf-inner', z: 'sf-outer' },
  { id: 'instance-a', type: 'subflow:sf-inner', z: 'tab-1' },
  { id: 'instance-b', type: 'subflow:sf-outer', z: 'tab-1' },
  { id: 'instance-off', type: 'subflow:sf-inner', z: 'tab-1', d: true },
];

function disabledNodes(elements: FlowElement[]): { nodes: DisabledNodes; reads: () => number } {
  let reads = 0;
  const nodes = new DisabledNodes((visit) => {
    reads += 1;
    elements.forEach(visit);
  });
  return { nodes, reads: () => reads };
}

describe('DisabledNodes', () => {
  it('knows disabled nodes, nodes on disabled tabs and disabled subflow instances', () => {
    const { nodes } = disabledNodes(config);
    expect(nodes.has('debug-off')).toBe(true);
    expect(nodes.has('on-disabled-tab')).toBe(true);
    expect(nodes.has('instance-off')).toBe(true);
    expect(nodes.has('fn-on')).toBe(false);
    expect(nodes.has('instance-a')).toBe(false);
    // a node no longer in the configuration (removed by a redeploy) is not disabled: it was stopped
    expect(nodes.has('gone')).toBe(false);
  });

  it('knows the copies of a disabled template node inside subflow instances, nested ones too', () => {
    const { nodes } = disabledNodes(config);
    expect(nodes.has('instance-a-inner-off')).toBe(true);
    expect(nodes.has('instance-a-inner-on')).toBe(false);
    expect(nodes.has('instance-b-nested-inner-off')).toBe(true);
    expect(nodes.has('instance-b-nested-inner-on')).toBe(false);
    // the template node, but not under an instance of its subflow
    expect(nodes.has('in-inner-off')).toBe(false);
    expect(nodes.has('instance-b-inner-off')).toBe(false);
  });

  it('reads the configuration once until it is told that a deploy changed it', () => {
    const elements = config.slice();
    const { nodes, reads } = disabledNodes(elements);
    expect(nodes.has('debug-off')).toBe(true);
    expect(nodes.has('fn-on')).toBe(false);
    expect(nodes.has('debug-off')).toBe(true);
    expect(reads()).toBe(1);
    elements[3] = { id: 'debug-off', type: 'debug', z: 'tab-1' };
    expect(nodes.has('debug-off')).toBe(true);
    nodes.forget();
    expect(nodes.has('debug-off')).toBe(false);
    expect(reads()).toBe(2);
  });
});
