/**
 * `ward k8s bootstrap`: takes a freshly deployed Ward from "uninitialized" to "initialized,
 * unsealed, personas in place, root token revoked", in steps that each look before they act
 * and record themselves in the progress Secret, so the Job can be killed anywhere and run
 * again. Logs JSON lines on stderr naming what it found and did, never a key, share or token.
 */
import { KubeClient } from '../kube/client.js';
import { readPgpPrivateKey } from '../../lib/pgp.js';
import { resolveTargets, sleep, type Ctx, type Log } from './context.js';
import { diagnose, ensureInitialized } from './init-step.js';
import type { BootstrapOptions } from './options.js';
import { describeRef } from './refs.js';
import { BootstrapStore } from './store.js';
import { enableAudit, issueProvisionerToken, revokeRoot, rootValid, writePolicies, writer } from './configure-steps.js';
import { rootToken, unsealAll } from './unseal-step.js';
import { awaitInitializer, isInitializer, watchSeal } from './sidecar.js';

type Io = { stdout: { write(s: string): unknown }; stderr: { write(s: string): unknown }; env: NodeJS.ProcessEnv };

/** Exit code of the test hook, distinct from failures (1). */
export const HOOK_EXIT = 97;

export async function runBootstrap(o: BootstrapOptions, io: Io): Promise<number> {
  const log: Log = (msg, fields = {}) => {
    io.stderr.write(`${JSON.stringify({ ts: new Date().toISOString(), msg, ...fields })}\n`);
  };
  const signals = holdSignals(log);
  try {
    const kube = KubeClient.load(o.kubeconfig ? { kubeconfig: o.kubeconfig } : {});
    const store = new BootstrapStore(kube, o.namespace || kube.namespace || 'default');
    const passphrase = o.bootstrapKeyPassphrase ? (await store.readRef(o.bootstrapKeyPassphrase)).toString('utf8').trim() : undefined;
    const keyBytes = await store.readRef(o.bootstrapKey);
    const text = keyBytes.toString('latin1');
    const jobKey = await readPgpPrivateKey(text.includes('-----BEGIN PGP PRIVATE KEY BLOCK-----') ? text : keyBytes, passphrase).catch((e: unknown) => {
      throw new Error(`-bootstrap-pgp-key ${describeRef(o.bootstrapKey)}: ${(e as Error).message}`);
    });
    const exitAt = io.env['WARD_BOOTSTRAP_EXIT_AT'] ?? '';
    const pauseAt = io.env['WARD_BOOTSTRAP_PAUSE_AT'] ?? '';
    const ctx: Ctx = {
      o, store, log, jobKey,
      stdout: (text) => io.stdout.write(text),
      targets: () => resolveTargets(o, store),
      async hook(point) {
        if (point === pauseAt) {
          log('paused at test hook', { point });
          await sleep(3000);
        }
        if (point !== exitAt) return;
        log('exiting at test hook', { point });
        process.exit(HOOK_EXIT);
      },
      critical: signals.critical,
    };
    log('bootstrap starting', { namespace: store.namespace, keys_secret: o.keysSecret, progress: o.progressSecret });
    await steps(ctx);
    log('bootstrap complete');
    if (o.watchMs > 0) await watchSeal(ctx);
    return 0;
  } catch (e) {
    log('bootstrap failed', { error: e instanceof Error ? e.message : String(e) });
    return 1;
  } finally {
    signals.release();
  }
}

async function steps(ctx: Ctx): Promise<void> {
  const { o, store } = ctx;
  const { targets, status } = await diagnose(ctx);
  await ctx.hook('diagnose');
  const initializer = isInitializer(o);
  if (initializer) await ensureInitialized(ctx, targets[0]!, status);
  else await awaitInitializer(ctx);
  await ctx.hook('init');
  const secret = await store.getSecret(o.keysSecret);
  if (secret === null) throw new Error(`the keys Secret ${o.keysSecret} disappeared`);
  await unsealAll(ctx, secret);
  await ctx.hook('unseal');
  if (!initializer) {
    ctx.log('configuration is left to the bootstrap in the initializing pod', { init_pod: o.initPod ?? '' });
    return;
  }
  const progress = await store.getProgress(o.progressSecret);
  if (progress['revoke-root'] !== undefined) {
    ctx.log('root token revoked by an earlier run: configuration is done', { since: progress['revoke-root'] });
    return;
  }
  const c = await writer(ctx, await rootToken(ctx, secret));
  if (!(await rootValid(c))) {
    // A run killed after the revocation, before recording it.
    await store.mark(o.progressSecret, 'revoke-root', new Date().toISOString());
    ctx.log('root token revoked by an earlier run: configuration is done');
    return;
  }
  // Auditing first, so the device records the rest of the job's work.
  await enableAudit(ctx, c);
  await store.mark(o.progressSecret, 'audit', new Date().toISOString());
  await ctx.hook('audit');
  await writePolicies(ctx, c);
  await store.mark(o.progressSecret, 'policies', new Date().toISOString());
  await ctx.hook('policies');
  await issueProvisionerToken(ctx, c);
  await store.mark(o.progressSecret, 'provisioner-token', new Date().toISOString());
  await ctx.hook('provisioner-token');
  if (o.revokeRoot) {
    await revokeRoot(ctx, c);
    await ctx.hook('revoke-root-before-record');
    await store.mark(o.progressSecret, 'revoke-root', new Date().toISOString());
  } else {
    ctx.log('root token kept (-revoke-root=false): it is in the keys Secret, encrypted to the job\'s key');
  }
}

/**
 * SIGTERM/SIGINT end the job at once, except inside `critical`, where they are held until it
 * ends (Kubernetes sends SIGTERM and waits the grace period before SIGKILL).
 */
function holdSignals(log: Log): { critical<T>(fn: () => Promise<T>): Promise<T>; release(): void } {
  let depth = 0;
  let pending: NodeJS.Signals | null = null;
  const exitFor = (s: NodeJS.Signals): never => process.exit(s === 'SIGINT' ? 130 : 143);
  const onSignal = (s: NodeJS.Signals): void => {
    if (depth === 0) exitFor(s);
    log('signal held until the init response is stored', { signal: s });
    pending = s;
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return {
    async critical(fn) {
      depth++;
      try {
        return await fn();
      } finally {
        depth--;
        if (depth === 0 && pending !== null) exitFor(pending);
      }
    },
    release() {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    },
  };
}
