import type { Node, NodeDef, NodeMessage } from 'node-red';
import { applyWithGoldenRecord, GoldenIntake } from '../../records/golden-intake';
import type { AmqpBrokerNode } from '../amqp-broker/amqp-broker';
import type { HubStoreNode } from '../hub-store/hub-store';
import { hubMetrics } from '../../app/metrics/hub-metrics';
import { hubRuntime } from '../shared/hub-runtime';
import { onInput } from '../shared/input';
import { migrate } from '../shared/migrate';
import { refuseMessages } from '../shared/misconfigured';
import { busCountStatus } from '../shared/bus-count-status';
import { ensureHubRoutes } from '../shared/mount';
import type { RED } from '../shared/red';
import { migrations } from './migrations';
import { causeOf } from './message-cause';
import { outboxRelay } from './outbox-relay';

export interface GoldenRecordDef extends NodeDef {
  store: string;
  /** optional amqp-broker: the golden outbox is then published on crm.golden */
  broker?: string;
}

/**
 * Matches canonical customers into golden records (cross-reference, survivorship with lineage, review
 * band), applies address-changed events to them, keeps the document per customerRef that the next
 * best offer and the policies read, and, with a broker, publishes the golden changes on crm.golden.
 */
export default function (RED: RED) {
  ensureHubRoutes(RED);

  function GoldenRecord(this: Node, saved: GoldenRecordDef) {
    RED.nodes.createNode(this, saved);
    const config = migrate<GoldenRecordDef>(saved, migrations);
    const storeNode = RED.nodes.getNode(config.store) as HubStoreNode | null;
    if (!storeNode) {
      refuseMessages(this, RED._('golden-record.errors.no-store'), RED._('golden-record.status.no-store'));
      return;
    }
    const broker = config.broker ? (RED.nodes.getNode(config.broker) as AmqpBrokerNode | null) : null;
    if (config.broker && !broker) {
      refuseMessages(this, RED._('golden-record.errors.no-broker'), RED._('golden-record.status.no-broker'));
      return;
    }
    // survivorship weighs each system as its deployed legacy-system node states (source trust)
    const intake = storeNode.ready.then(
      (store) => new GoldenIntake(store, { trust: hubRuntime.trust.lookup }),
    );
    // a store that fails to open fails each message (awaited there), not as an unhandled rejection
    intake.catch(() => undefined);
    const relay = broker ? outboxRelay(RED, this, broker, storeNode.ready) : undefined;
    // records are stored while the broker is away; their changes wait in the outbox
    const status = busCountStatus(RED, this, 'golden-record', {
      store: storeNode.ready,
      bus: broker?.bus,
      outbox: true,
    });

    onInput(
      this,
      async (msg, send) => {
        // the cause is written with the golden events, so they go out on this message's trace
        const store = await storeNode.ready;
        const result = await applyWithGoldenRecord(store, await intake, msg.payload, causeOf(msg));
        status.counts.ok += 1;
        status.counted();
        const golden = result.golden;
        hubMetrics.goldenIntake(golden);
        if (relay && golden && golden.status === 'applied') relay.changed(golden.events);
        send({ ...msg, goldenRecord: result } as NodeMessage);
      },
      {
        errorStatus: false,
        onError: () => {
          status.counts.failed += 1;
          status.counted();
        },
      },
    );
    this.on('close', (_removed: boolean, done: () => void) => {
      status.stop();
      if (relay) relay.close(done);
      else done();
    });
  }

  RED.nodes.registerType('golden-record', GoldenRecord);
}
