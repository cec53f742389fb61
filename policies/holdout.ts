/**
 * Control groups. A card with `holdout: 10%` keeps one customer in ten out of its actions, so the
 * response of the others can be compared against them (uplift). The assignment is a hash of policy and
 * customer, never a random draw: the same customer stays in (or out of) the same policy's control group
 * across events, restarts and hub instances, with no state to share, and a dry-run sees the same groups.
 */
import { createHash } from 'node:crypto';

/** The policy id, not the card version: editing a card must not reshuffle its control group mid-campaign. */
export function holdoutFraction(policyId: string, customerRef: string): number {
  // SHA-256 so that neighbouring ids ("crm:4711", "crm:4712") land far apart; the separator keeps
  // ("ab", "c") and ("a", "bc") apart.
  const digest = createHash('sha256').update(`${policyId}\u0000${customerRef}`).digest();
  return digest.readUInt32BE(0) / 0x1_0000_0000;
}

/** True when the customer is in the policy's control group of `percent` % (0 means no control group). */
export function inHoldout(policyId: string, customerRef: string, percent: number): boolean {
  if (percent <= 0) return false;
  return holdoutFraction(policyId, customerRef) * 100 < percent;
}

/** `10%`, `2.5%` or the number 10 -> 10; a fraction of 100 is the readable form on a card. */
export function parseHoldout(value: unknown): number {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  const match = /^(\d+(?:\.\d+)?)\s*%?$/.exec(text);
  const percent = match ? Number(match[1]) : NaN;
  if (!Number.isFinite(percent)) {
    throw new Error(`expected a percentage like 10% or 2.5%, got ${JSON.stringify(value)}`);
  }
  if (percent >= 100) throw new Error(`${percent}% would keep every customer out; use less than 100%`);
  return percent;
}
