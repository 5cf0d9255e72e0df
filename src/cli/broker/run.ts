/**
 * One broker pass over the inventory: decide trust, skip devices that still hold a usable
 * token, mint one wrapped secret ID for each of the others and deliver it. Server calls and
 * the delivery channel are injected, so the pass is tested without a server.
 */
import type { Delivery } from './delivery.js';
import type { Device } from './inventory.js';
import { decideTrust, type TrustRules } from './trust.js';

export type BrokerDeps = {
  delivery: Delivery;
  rules: TrustRules;
  /** Requests a wrapped secret ID for the device; resolves to the wrapping token. */
  mint(deviceId: string): Promise<string>;
  /** True when `token` can still be unwrapped and was minted at the expected path. */
  stillValid(token: string): Promise<boolean>;
};

export type OutcomeKind = 'delivered' | 'untrusted' | 'already-delivered' | 'failed';

/** What happened to one device. `detail` is for people and never contains a token. */
export type Outcome = { id: string; kind: OutcomeKind; detail: string };

export type Counts = { trusted: number; delivered: number; untrusted: number; alreadyDelivered: number; failed: number };

/** Removes any token the pass handled from a message, in case a server or library echoed it. */
function redact(message: string, tokens: readonly string[]): string {
  return tokens.reduce((m, t) => (t ? m.split(t).join('<redacted>') : m), message);
}

async function one(device: Device, deps: BrokerDeps): Promise<Outcome> {
  const { id } = device;
  const verdict = decideTrust(device, deps.rules);
  if (!verdict.trusted) return { id, kind: 'untrusted', detail: verdict.reasons.join('; ') };
  const seen: string[] = [];
  try {
    const held = await deps.delivery.held(id);
    if (held.kind === 'pending') return { id, kind: 'already-delivered', detail: 'the orchestrator reports an uncollected token' };
    let replacing = false;
    if (held.kind === 'token') {
      seen.push(held.token);
      if (await deps.stillValid(held.token)) return { id, kind: 'already-delivered', detail: 'the delivered token is still unwrappable' };
      replacing = true;
    }
    const token = await deps.mint(id);
    seen.push(token);
    await deps.delivery.deliver(id, token);
    return { id, kind: 'delivered', detail: replacing ? 'replaced a used or expired token' : 'new token' };
  } catch (e) {
    return { id, kind: 'failed', detail: redact(e instanceof Error ? e.message : String(e), seen) };
  }
}

/** Runs one pass, device by device in inventory order (one failure never stops the rest). */
export async function runBroker(devices: readonly Device[], deps: BrokerDeps): Promise<{ outcomes: Outcome[]; counts: Counts }> {
  const outcomes: Outcome[] = [];
  for (const d of devices) outcomes.push(await one(d, deps));
  const n = (k: OutcomeKind): number => outcomes.filter((o) => o.kind === k).length;
  const counts: Counts = { trusted: outcomes.length - n('untrusted'), delivered: n('delivered'), untrusted: n('untrusted'), alreadyDelivered: n('already-delivered'), failed: n('failed') };
  return { outcomes, counts };
}

/** The summary line the command prints. */
export function formatCounts(c: Counts): string {
  return `trusted: ${c.trusted}, delivered: ${c.delivered}, skipped (untrusted): ${c.untrusted}, skipped (already delivered): ${c.alreadyDelivered}, failed: ${c.failed}`;
}
