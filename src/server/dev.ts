import type { WardCore } from '../core/core.js';

/**
 * Dev mode: initialise with one unsealed key, unseal, mount KV v2 at `secret/`, and
 * optionally replace the generated root token with a chosen id.
 */
export async function devBootstrap(core: WardCore, rootTokenId?: string): Promise<{ unsealKey: string; rootToken: string }> {
  const init = await core.init(1, 1);
  const unsealKey = init.keys_base64[0] ?? '';
  await core.unseal(unsealKey, false);
  // With HA (-dev-ha) the node is a standby until it takes the lock, which nobody else holds.
  const deadline = Date.now() + 30_000;
  while (core.active === null && !core.isSealed() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  const subs = core.active;
  if (!subs) throw new Error('dev server failed to unseal');
  await subs.mounts.mount('mounts', { path: 'secret/', type: 'kv', options: { version: '2' }, description: 'key/value secret storage' });
  let rootToken = init.root_token;
  if (rootTokenId) {
    const generated = await subs.tokens.lookup(rootToken);
    const custom = await subs.tokens.create({ id: rootTokenId, policies: ['root'], noDefaultPolicy: true, parentId: '', path: 'auth/token/root', displayName: 'root', ttl: 0 });
    if (generated) await subs.tokens.revokeTree(generated);
    rootToken = custom.id;
  }
  return { unsealKey, rootToken };
}
