import type { Node, NodeDef, NodeMessage } from 'node-red';
import { goldenEventOf } from '../../connectors/amqp/golden-message';
import { withFields } from '../../formats/with-fields';
import { EVENT_ID_HEADER } from '../../connectors/amqp/hop-headers';
import { targetQueue } from '../../connectors/amqp/sync-topology';
import { GoldenFanOut } from '../../records/golden-fan-out';
import type { Customer } from '../../mappings/canonical/types';
import type { HubStoreNode } from '../hub-store/hub-store';
import { systemSpecOf } from '../legacy-decode/system-spec';
import type { LegacySystemNode } from '../legacy-system/legacy-system';
import { settlementOf } from '../amqp-in/completion-hooks';
import { onInput } from '../shared/input';
import { migrate } from '../shared/migrate';
import { refuseMessages } from '../shared/misconfigured';
import { ensureHubRoutes } from '../shared/mount';
import { countStatus, errorMessage, statusWords, type RED } from '../shared/red';
import { migrations } from './migrations';

export interface SyncTargetDef extends NodeDef {
  store: string;
  /** the target: a legacy-system with an outbound mapping */
  system: string;
  /** the outbound record kind; empty: the spec's format.outboundRecordKind, else its only one */
  record: string;
}

type GoldenMessage = NodeMessage & {
  amqp?: {
    routingKey?: unknown;
    messageId?: unknown;
    headers?: Record<string, unknown>;
    redelivered?: unknown;
  };
};

/**
 * One target system's side of the record sync: each golden change from crm.golden becomes an update
 * for every record the target holds of that customer, unless the target holds those values already
 * (echo suppression, records/golden-fan-out.ts). from-canonical and amqp-out follow.
 */
export default function (RED: RED) {
  ensureHubRoutes(RED);
  const words = statusWords(RED);

  function SyncTarget(this: Node, saved: SyncTargetDef) {
    RED.nodes.createNode(this, saved);
    const config = migrate<SyncTargetDef>(saved, migrations);
    const storeNode = RED.nodes.getNode(config.store) as HubStoreNode | null;
    const system = RED.nodes.getNode(config.system) as LegacySystemNode | null;
    if (!storeNode || !system) {
      const what = storeNode ? 'no-system' : 'no-store';
      refuseMessages(this, RED._(`sync-target.errors.${what}`), RED._(`sync-target.status.${what}`));
      return;
    }
    let recordKind = config.record;
    let fanOut: Promise<GoldenFanOut> | undefined;
    const ready = () =>
      (fanOut ??= storeNode.ready.then((store) => {
        recordKind ||= outboundKindOf(RED, system);
        const mapping = system.outbound(recordKind);
        return new GoldenFanOut(store, system.systemId, (view) =>
          mapping.map(view, { recordRef: recordKind }),
        );
      }));
    ready().catch((err: unknown) => {
      fanOut = undefined;
      this.error(RED._('sync-target.errors.setup', { error: errorMessage(err) }));
    });
    const counts = { sent: 0, echo: 0, again: 0, gap: 0, failed: 0 };
    // changes held back for a gap the target shares are named apart: they are no echoes, and what
    // else they carry does not reach the target until another system fills the gap
    const showCounts = () =>
      countStatus(this, { ok: counts.sent, failed: counts.failed }, ({ failed }) =>
        words(
          `sync-target.status.counted${counts.again ? '-again' : ''}${counts.gap ? '-gap' : ''}${failed ? '-failed' : ''}`,
          { sent: counts.sent, echo: counts.echo, again: counts.again, gap: counts.gap, failed },
        ),
      );

    onInput<GoldenMessage>(
      this,
      async (msg, send) => {
        // An update counts as sent for a later change only once amqp-in acks this message, i.e. the
        // whole flow after this node (from-canonical, the confirmed publish of amqp-out) completed: what
        // a failed publish handed out comes again with the message (records/golden-fan-out.ts).
        const target = await ready();
        const result = await target.take(goldenEventOf(msg.payload, msg.amqp), {
          redelivered: msg.amqp?.redelivered === true,
          settled: () => settlementOf(msg._msgid),
        });
        counts.sent += result.sent.length;
        for (const { reason } of result.skipped)
          if (reason === 'echo') counts.echo += 1;
          else if (reason === 'sent-already') counts.again += 1;
          else if (reason === 'target-gap') counts.gap += 1;
        showCounts();
        const eventId = msg.amqp?.headers?.[EVENT_ID_HEADER];
        for (const update of result.sent) {
          send(
            withFields(msg, {
              payload: update.view satisfies Customer,
              recordKind,
              target: update.target,
              goldenId: update.goldenId,
              queue: targetQueue(update.target),
              messageId: update.messageId,
              headers: { [EVENT_ID_HEADER]: typeof eventId === 'string' ? eventId : update.eventId },
            }) as NodeMessage,
          );
        }
      },
      {
        errorStatus: false,
        onError: () => {
          counts.failed += 1;
          showCounts();
        },
      },
    );
  }

  /** The spec's outbound record kind, or its only one. */
  function outboundKindOf(red: RED, system: LegacySystemNode): string {
    const spec = systemSpecOf(red, system);
    const kinds = Object.keys(spec.outbound ?? {});
    const kind = spec.format?.outboundRecordKind ?? (kinds.length === 1 ? kinds[0] : undefined);
    if (!kind) throw new Error(RED._('sync-target.errors.no-outbound', { system: system.systemId }));
    return kind;
  }

  RED.nodes.registerType('sync-target', SyncTarget);
}
