/**
 * Unsealing every sealed pod of a Shamir-sealed server with the shares encrypted to the job's
 * own key (the operators chose how many by listing its public key among -pgp-keys). The
 * plaintext shares live only in this function's memory; the root token likewise.
 */
import { pgpDecrypt } from '../../lib/pgp.js';
import { poll, type Ctx, type Target } from './context.js';
import type { StoredSecret } from './store.js';

/** The shares the job can read (hex, as `sys/unseal` takes them), in share order. */
async function jobShares(ctx: Ctx, secret: StoredSecret): Promise<string[]> {
  const out: string[] = [];
  const names = Object.keys(secret.data).filter((k) => /^unseal-key-\d+$/.test(k)).sort((a, b) => Number(a.split('-')[2]) - Number(b.split('-')[2]));
  for (const k of names) {
    try {
      out.push((await pgpDecrypt(ctx.jobKey, secret.data[k]!)).toString('utf8'));
    } catch {
      // Encrypted to an operator: not the job's to read.
    }
  }
  return out;
}

export async function unsealAll(ctx: Ctx, secret: StoredSecret): Promise<void> {
  const targets = await ctx.targets();
  let shares: string[] | undefined;
  for (const t of targets) {
    const st = await poll(`${t.name} to answer`, ctx.o.waitTimeoutMs, () => t.client.sealStatus());
    if (!st.sealed) {
      ctx.log('unsealed already', { pod: t.name });
      continue;
    }
    if (st.type !== 'shamir') {
      // An auto seal unseals itself; waiting is all there is to do.
      await poll(`${t.name} to unseal itself`, ctx.o.waitTimeoutMs, async () => ((await t.client.sealStatus()).sealed ? undefined : true));
      ctx.log('unsealed itself (auto seal)', { pod: t.name, seal_type: String(st.type) });
      continue;
    }
    shares ??= await jobShares(ctx, secret);
    if (shares.length < st.t) {
      throw new Error(`${t.name} is sealed and needs ${st.t} shares, but only ${shares.length} of the key shares are encrypted to the job's key: operators must unseal it (ward operator unseal)`);
    }
    let now = st;
    for (const share of shares) {
      if (!now.sealed) break;
      now = await t.client.unseal(share);
    }
    if (now.sealed) throw new Error(`${t.name} is still sealed after ${shares.length} shares (progress ${now.progress}/${now.t})`);
    ctx.log('unsealed', { pod: t.name, shares_used: Math.min(shares.length, st.t), ...(await haMode(t)) });
  }
}

/** What the pod became once unsealed: active, standby or performance standby (HA), or a single node. */
async function haMode(t: Target): Promise<Record<string, string | boolean>> {
  const leader = await t.client.leader().catch(() => undefined);
  if (leader === undefined) return {};
  if (!leader.ha_enabled) return { ha_enabled: false };
  return { ha_enabled: true, ha_mode: leader.is_self ? 'active' : leader.performance_standby ? 'performance standby' : 'standby' };
}

/** The root token from the keys Secret (encrypted to the job's key at init). */
export async function rootToken(ctx: Ctx, secret: StoredSecret): Promise<string> {
  const ct = secret.data['root-token'];
  if (ct === undefined) throw new Error(`the keys Secret ${ctx.o.keysSecret} has no root-token`);
  return (await pgpDecrypt(ctx.jobKey, ct)).toString('utf8');
}
