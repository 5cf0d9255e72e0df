import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Ctx, Target } from './context.js';
import { parseBootstrapOptions } from './options.js';
import { awaitInitializer, isInitializer } from './sidecar.js';
import { STATE, type StoredSecret } from './store.js';

const options = (extra: Record<string, string> = {}) =>
  parseBootstrapOptions({ address: 'https://127.0.0.1:8200', pgpKeys: 'a.asc', bootstrapPgpKey: 'k.asc', initPod: 'ward-0', podName: 'ward-1', waitTimeout: '300ms', ...extra });

/** A Ctx whose keys Secret and server turn ready on the `readyAt`-th look. */
function fakeCtx(o: Ctx['o'], readyAt: number): { ctx: Ctx; logs: string[] } {
  let looks = 0;
  const logs: string[] = [];
  const stored: StoredSecret = { data: {}, annotations: { [STATE]: 'stored' } };
  const target = { name: 'self', client: { sealStatus: async () => ({ initialized: looks >= readyAt }) } } as unknown as Target;
  const ctx = {
    o,
    log: (msg: string) => logs.push(msg),
    store: { getSecret: async () => (++looks >= readyAt ? stored : null) },
    targets: async () => [target],
  } as unknown as Ctx;
  return { ctx, logs };
}

test('sidecar: only the bootstrap in -init-pod (or a Job, without one) initializes', () => {
  assert.equal(isInitializer(options()), false);
  assert.equal(isInitializer(options({ podName: 'ward-0' })), true);
  assert.equal(isInitializer(parseBootstrapOptions({ address: 'https://a:8200', pgpKeys: 'a.asc', bootstrapPgpKey: 'k.asc' })), true);
});

test('sidecar: waiting for the initializing pod gives up after -wait-timeout without -watch (the Job form)', async () => {
  const { ctx } = fakeCtx(options(), Number.MAX_SAFE_INTEGER);
  await assert.rejects(awaitInitializer(ctx), /timed out waiting for the bootstrap in ward-0 to initialize Ward and store the keys in Secret ward-init/);
});

test('sidecar: with -watch it keeps waiting past -wait-timeout (no crash loop while pod 0 is not up), saying so', async () => {
  const { ctx, logs } = fakeCtx(options({ watch: '1s' }), 6);
  await awaitInitializer(ctx);
  assert.ok(logs.some((l) => l.startsWith('still waiting for the initializing pod')), JSON.stringify(logs));
  assert.ok(logs.at(-1)?.startsWith('initialized by the bootstrap in the initializing pod'), JSON.stringify(logs));
});
