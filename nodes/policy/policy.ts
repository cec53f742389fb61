import type { Node, NodeDef, NodeMessage } from 'node-red';
import { compileCard } from '../../policies/card';
import type { CompiledPolicy, PolicyCard } from '../../policies/card';
import { hubRuntime } from '../shared/hub-runtime';
import { migrate } from '../shared/migrate';
import { ensureHubRoutes } from '../shared/mount';
import { errorMessage, statusWords, type RED } from '../shared/red';
import { migrations } from './migrations';

export interface PolicyDef extends NodeDef {
  engine: string;
  policyId: string;
  titleEn: string;
  titleDe: string;
  when: string;
  condition: string;
  /** history conditions, `;`-separated, e.g. "no complaint-answered within 2d" */
  history?: string;
  then: string;
  /** the escalation ladder in one line, e.g. "until complaint-answered; regional-manager within 2d" */
  escalation?: string;
  perCustomer: string;
  global: string;
  priority: string;
  mode: 'trigger' | 'lurking';
  /** the editor button's state; the store's switch wins once it has been set */
  active: boolean;
}

export function cardFromConfig(config: PolicyDef): PolicyCard {
  const limits: Record<string, string> = {};
  if (config.perCustomer?.trim()) limits['per-customer'] = config.perCustomer.trim();
  if (config.global?.trim()) limits.global = config.global.trim();
  return {
    policy: (config.policyId || config.id).trim(),
    title: {
      en: config.titleEn || config.name || config.policyId,
      de: config.titleDe || config.titleEn || config.policyId,
    },
    when: config.when,
    if: config.condition || undefined,
    history: historyOf(config.history),
    then: config.then,
    escalation: config.escalation?.trim() || undefined,
    limits: Object.keys(limits).length ? limits : undefined,
    priority: Number(config.priority) || 50,
    mode: config.mode || 'trigger',
  } as PolicyCard;
}

function historyOf(text: string | undefined): string[] | undefined {
  const parts = (text ?? '')
    .split(';')
    .map((part) => part.trim())
    .filter(Boolean);
  return parts.length ? parts : undefined;
}

export default function (RED: RED) {
  ensureHubRoutes(RED);
  const words = statusWords(RED);

  function PolicyNode(this: Node, saved: PolicyDef) {
    RED.nodes.createNode(this, saved);
    const config = migrate<PolicyDef>(saved, migrations);
    let fired = 0;
    let compiled: CompiledPolicy;
    try {
      compiled = compileCard(cardFromConfig(config));
    } catch (err) {
      this.status({ fill: 'red', shape: 'ring', text: RED._('policy.status.invalid') });
      this.error(RED._('policy.errors.invalid-card', { error: errorMessage(err) }));
      return;
    }
    const policyId = compiled.id;
    const showState = (enabled: boolean) =>
      this.status({
        fill: enabled ? 'green' : 'grey',
        shape: enabled ? 'dot' : 'ring',
        text: words(`policy.status.${enabled ? 'on' : 'off'}${fired ? '-fired' : ''}`, { fired }),
      });

    hubRuntime.policies.attach(
      config.engine,
      compiled,
      {
        nodeId: this.id,
        emit: (decision, eventMsg) => {
          fired += 1;
          showState(true);
          const source = eventMsg as NodeMessage;
          this.send({ ...source, payload: decision, event: source.payload } as NodeMessage);
        },
        enabledChanged: showState,
      },
      config.active !== false,
    );
    hubRuntime.policyRegistry.declare(compiled, { kind: 'node', id: this.id, engineId: config.engine });
    showState(hubRuntime.policies.isEnabled(policyId));

    this.on('close', (_removed: boolean, done: () => void) => {
      hubRuntime.policies.detach(config.engine, policyId, this.id);
      hubRuntime.policyRegistry.remove(policyId, this.id);
      done();
    });
  }

  RED.nodes.registerType('policy', PolicyNode);
}
