/**
 * With the root token: the admin and provisioner policies, an audit device, the provisioner
 * token (an orphan, so revoking the root token does not revoke it) in its Secret, and last
 * the root token's revocation. Each step looks at the server first, so a re-run redoes
 * nothing that is already there.
 */
import { randomBytes } from 'node:crypto';
import { ApiError, type WardClient } from '../../api/index.js';
import { poll, type Ctx, type Target } from './context.js';
import { adminPolicy, provisionerPolicy } from './policies.js';
import { STATE } from './store.js';

/** A pod that serves writes (active, or a standby that forwards them). */
export async function writer(ctx: Ctx, token: string): Promise<WardClient> {
  return poll('an active Ward pod', ctx.o.waitTimeoutMs, async () => {
    const standbys: Target[] = [];
    for (const t of await ctx.targets()) {
      const h = await t.client.health().catch(() => undefined);
      if (h && h.initialized && !h.sealed && !h.standby) return withToken(t, token);
      if (h && h.initialized && !h.sealed) standbys.push(t);
    }
    // None of the targets is active (a sidecar sees only its own pod, which may have lost the
    // election): a standby that knows the active node forwards the writes to it.
    for (const t of standbys) {
      const l = await t.client.leader().catch(() => undefined);
      if (l?.leader_address) return withToken(t, token);
    }
    return undefined;
  });
}

function withToken(t: Target, token: string): WardClient {
  t.client.token = token;
  return t.client;
}

export async function writePolicies(ctx: Ctx, c: WardClient): Promise<void> {
  const text = async (file: Ctx['o']['adminPolicyFile'], dflt: string) => (file ? (await ctx.store.readRef(file)).toString('utf8') : dflt);
  const policies: [string, string][] = [
    [ctx.o.adminPolicy, await text(ctx.o.adminPolicyFile, adminPolicy())],
    [ctx.o.provisionerPolicy, await text(ctx.o.provisionerPolicyFile, provisionerPolicy(ctx.o.kvMount))],
  ];
  for (const [name, policy] of policies) await c.writePolicy(name, policy);
  ctx.log('policies written', { policies: policies.map(([n]) => n) });
}

export async function enableAudit(ctx: Ctx, c: WardClient): Promise<void> {
  if (ctx.o.auditType === 'none') {
    ctx.log('audit device: none asked for');
    return;
  }
  const devices = (await c.auditDevices()).body?.data ?? {};
  if (Object.keys(devices).some((p) => p.replace(/\/$/, '') === ctx.o.auditPath)) {
    ctx.log('audit device enabled already', { path: ctx.o.auditPath });
    return;
  }
  await c.enableAudit(ctx.o.auditPath, { type: ctx.o.auditType, options: ctx.o.auditOptions });
  ctx.log('audit device enabled', { path: ctx.o.auditPath, type: ctx.o.auditType });
}

/**
 * The token's ID is chosen here and written to its Secret (state "pending") before the token
 * is created with that ID (root may choose one, as in Vault), so a kill between the two can
 * neither lose the token nor leave an unknown one behind: a re-run creates the same ID, and
 * "duplicate ID" means the earlier run got that far.
 */
export async function issueProvisionerToken(ctx: Ctx, c: WardClient): Promise<void> {
  const name = ctx.o.provisionerTokenSecret;
  const existing = await ctx.store.getSecret(name);
  if (existing?.data['token'] !== undefined && existing.annotations[STATE] === 'issued') {
    ctx.log('provisioner token present already', { secret: name });
    return;
  }
  const annotations = { 'ward.io/policies': ctx.o.provisionerPolicy, 'ward.io/ttl': ctx.o.provisionerTokenTtl };
  let token = existing?.data['token']?.toString('utf8');
  if (token === undefined) {
    // Vault refuses a '.' in a chosen ID; 32 base62 characters carry 190 bits.
    token = randomBase62(32);
    await ctx.store.putSecret(name, { data: { token: Buffer.from(token) }, annotations: { ...annotations, [STATE]: 'pending' } });
  }
  await ctx.hook('provisioner-token-pending');
  try {
    await c.tokenCreate({ id: token, policies: [ctx.o.provisionerPolicy], ttl: ctx.o.provisionerTokenTtl, display_name: 'bootstrap-provisioner', meta: { created_by: 'ward-bootstrap' } }, { orphan: true });
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 400 && /duplicate ID/.test(e.message))) throw e;
  }
  await ctx.hook('provisioner-token-created');
  await ctx.store.putSecret(name, { data: { token: Buffer.from(token) }, annotations: { ...annotations, [STATE]: 'issued' } });
  ctx.log('provisioner token issued', { secret: name, policy: ctx.o.provisionerPolicy, ttl: ctx.o.provisionerTokenTtl });
}

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomBase62(n: number): string {
  let out = '';
  while (out.length < n) {
    // Rejection sampling: 248 = 4 * 62, so bytes below it map uniformly.
    for (const b of randomBytes(n)) if (b < 248 && out.length < n) out += BASE62[b % 62];
  }
  return out;
}

/** Revokes the root token; one already revoked (a kill after the revocation) counts as done. */
export async function revokeRoot(ctx: Ctx, c: WardClient): Promise<void> {
  try {
    await c.write('auth/token/revoke-self', null);
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 403)) throw e;
  }
  ctx.log('root token revoked');
}

/** Whether the root token still works (a 403 after a kill between revocation and the record). */
export async function rootValid(c: WardClient): Promise<boolean> {
  try {
    await c.tokenLookupSelf();
    return true;
  } catch (e) {
    if (e instanceof ApiError && e.status === 403) return false;
    throw e;
  }
}
