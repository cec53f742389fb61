/**
 * Messages held at a node that cannot report completion (Node-RED's core switch, change, rbe, json,
 * template …: their input handlers take no `done`). Such a node either sends a message on or drops it
 * (a switch that matched no rule), and may send after its handler returned (the switch queues a burst
 * and works through it with setImmediate). Its receipt therefore stays open until:
 * - the node sends a message with that id: the onward copies are counted first (increment before
 *   decrement), then the receipt is released;
 * - the node sends one it received later: these nodes handle their messages in the order they came,
 *   so an earlier one that sent nothing was dropped;
 * - the node sent nothing at all for `graceMs` (re-armed while it keeps sending): it dropped it.
 * Released receipts count as completed without an error.
 */
export class HeldReceipts {
  /** per holding node, its open receipts in arrival order */
  private readonly byHolder = new Map<string, { id: string; timer: NodeJS.Timeout }[]>();

  constructor(
    private readonly release: (id: string) => void,
    private readonly graceMs: number,
  ) {
    if (!Number.isFinite(graceMs) || graceMs <= 0)
      throw new RangeError(`HeldReceipts: graceMs must be a positive number, got ${String(graceMs)}`);
  }

  /** The node `holder` received the message `id` and will not report completing it. */
  hold(holder: string, id: string): void {
    const held = this.byHolder.get(holder) ?? [];
    this.byHolder.set(holder, held);
    held.push({ id, timer: this.arm(holder, id) });
  }

  /** The node `holder` sent the message `id` on (its onward copies are already counted). */
  sent(holder: string, id: string): void {
    const held = this.byHolder.get(holder);
    if (!held) return;
    const at = held.findIndex((h) => h.id === id);
    const done = at < 0 ? [] : held.splice(0, at + 1);
    // still working through its messages: what it holds now is not dropped yet
    for (const h of held) {
      clearTimeout(h.timer);
      h.timer = this.arm(holder, h.id);
    }
    if (held.length === 0) this.byHolder.delete(holder);
    for (const h of done) {
      clearTimeout(h.timer);
      this.release(h.id);
    }
  }

  size(): number {
    let n = 0;
    for (const held of this.byHolder.values()) n += held.length;
    return n;
  }

  /** Shutdown or redeploy: forget every hold (the tracker forgets its messages as well). */
  clear(): void {
    for (const held of this.byHolder.values()) for (const h of held) clearTimeout(h.timer);
    this.byHolder.clear();
  }

  private arm(holder: string, id: string): NodeJS.Timeout {
    const timer = setTimeout(() => this.expire(holder, id), this.graceMs);
    timer.unref();
    return timer;
  }

  private expire(holder: string, id: string): void {
    const held = this.byHolder.get(holder);
    const at = held ? held.findIndex((h) => h.id === id) : -1;
    if (!held || at < 0) return;
    // the oldest receipt of that id: the node sent nothing for it within the grace
    held.splice(at, 1);
    if (held.length === 0) this.byHolder.delete(holder);
    this.release(id);
  }
}
