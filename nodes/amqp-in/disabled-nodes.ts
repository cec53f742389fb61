/** what Node-RED's flow configuration says of one element (node, tab, subflow template) */
export interface FlowElement {
  id: string;
  type: string;
  z?: string;
  /** a disabled node */
  d?: boolean;
  /** a disabled tab */
  disabled?: boolean;
}

/**
 * The nodes Node-RED does not start although wires to them stay: a node with `d: true`, every node on
 * a disabled tab, and the copies of a disabled node inside a subflow template. What is routed to such
 * a node is dropped by design, as a filter drops it. Built from the flow configuration on first use
 * after a deploy, since it is asked only when a destination is missing; the answer per id is kept, as
 * a disabled branch is hit by every message.
 */
export class DisabledNodes {
  private byId?: Map<string, FlowElement>;
  private disabledTabs = new Set<string>();
  private readonly answers = new Map<string, boolean>();

  constructor(private readonly eachElement: (visit: (element: FlowElement) => void) => void) {}

  has(id: string): boolean {
    let answer = this.answers.get(id);
    if (answer === undefined) {
      const element = this.configOf(id);
      answer = element !== undefined && (element.d === true || this.disabledTabs.has(element.z ?? ''));
      this.answers.set(id, answer);
    }
    return answer;
  }

  /** a deploy (or a stop) changed the configuration */
  forget(): void {
    this.byId = undefined;
    this.disabledTabs.clear();
    this.answers.clear();
  }

  /**
   * The configuration of a running node id. Inside a subflow instance Node-RED names a node
   * `<instance id>-<template node id>` (nested instances likewise), so an id not in the configuration
   * is split at each '-' and taken as a template node of the instance before it.
   */
  private configOf(id: string): FlowElement | undefined {
    const byId = this.index();
    const direct = byId.get(id);
    if (direct) return direct;
    for (let at = id.indexOf('-'); at > 0; at = id.indexOf('-', at + 1)) {
      const inner = byId.get(id.slice(at + 1));
      if (inner?.z && this.configOf(id.slice(0, at))?.type === `subflow:${inner.z}`) return inner;
    }
    return undefined;
  }

  private index(): Map<string, FlowElement> {
    if (this.byId) return this.byId;
    const byId = new Map<string, FlowElement>();
    this.eachElement((element) => {
      byId.set(element.id, element);
      if (element.type === 'tab' && element.disabled === true) this.disabledTabs.add(element.id);
    });
    this.byId = byId;
    return byId;
  }
}
