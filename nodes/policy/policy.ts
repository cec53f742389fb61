import type { Node, NodeMessage } from 'node-red';
import { compileCard, PolicyCardError, type CompiledPolicy } from '../../policies/card';
import { hubRuntime } from '../shared/hub-runtime';
import { migrate } from '../shared/migrate';
import { ensureHubRoutes } from '../shared/mount';
import { errorMessage, statusWords, type RED } from '../shared/red';
import { cardFromConfig, type PolicyDef } from './card-config';
import { migrations } from './migrations';

export { cardFromConfig, type PolicyDef } from './card-config';

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
      // the field at fault shows on the node too, so a wrong field is found without opening the log
      const text =
        err instanceof PolicyCardError
          ? RED._('policy.status.invalid-field', { field: err.field })
          : RED._('policy.status.invalid');
      this.status({ fill: 'red', shape: 'ring', text });
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
