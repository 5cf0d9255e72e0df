/**
 * The bootstrap as a sidecar of every server pod (the chart's `bootstrap.mode: sidecar`): one
 * process per pod, each reaching only its own server over loopback. Only the one in `-init-pod`
 * initializes and configures (the same keys and progress Secrets as the Job, so the two forms
 * are interchangeable); the others wait here until that pod's bootstrap has stored the keys,
 * then unseal their own server. Afterwards every sidecar stays and unseals its server again
 * whenever it finds it sealed (the server container restarted), as a re-run of the Job would.
 */
import { poll, sleep, type Ctx } from './context.js';
import { STATE } from './store.js';
import { unsealAll } from './unseal-step.js';

/** Whether this process initializes and configures (the Job, or the sidecar in -init-pod). */
export const isInitializer = (o: Ctx['o']): boolean => o.initPod === undefined || o.initPod === o.podName;

/**
 * Waits until the server is initialized and the keys Secret holds the stored init answer. With
 * -watch (a sidecar, which would only be restarted) it waits past -wait-timeout, logging each
 * time, instead of failing into a crash loop while pod 0 is not scheduled yet.
 */
export async function awaitInitializer(ctx: Ctx): Promise<void> {
  const { o } = ctx;
  ctx.log('not the initializing pod: waiting for its bootstrap to initialize and store the keys', { pod: o.podName ?? '', init_pod: o.initPod ?? '', secret: o.keysSecret });
  const ready = async (): Promise<true | undefined> => {
    const s = await ctx.store.getSecret(o.keysSecret);
    if (s?.annotations[STATE] !== 'stored') return undefined;
    for (const t of await ctx.targets()) if (!(await t.client.sealStatus()).initialized) return undefined;
    return true;
  };
  for (;;) {
    try {
      await poll(`the bootstrap in ${o.initPod} to initialize Ward and store the keys in Secret ${o.keysSecret}`, o.waitTimeoutMs, ready);
      break;
    } catch (e) {
      if (o.watchMs === 0) throw e;
      ctx.log('still waiting for the initializing pod', { error: e instanceof Error ? e.message : String(e) });
    }
  }
  ctx.log('initialized by the bootstrap in the initializing pod; the encrypted keys are stored', { init_pod: o.initPod ?? '', secret: o.keysSecret });
}

/**
 * Every `-watch` interval: unseals the targets found sealed. Never returns (SIGTERM ends the
 * process); a failure is logged once per distinct message and retried at the next interval.
 */
export async function watchSeal(ctx: Ctx): Promise<never> {
  const { o } = ctx;
  ctx.log('watching the seal: unsealing whenever sealed', { every_ms: o.watchMs });
  let last = '';
  const once = (state: string, msg: string, fields: Record<string, string> = {}): void => {
    if (state !== last) ctx.log(msg, fields);
    last = state;
  };
  for (;;) {
    await sleep(o.watchMs);
    try {
      const sealed: string[] = [];
      for (const t of await ctx.targets()) {
        const st = await t.client.sealStatus();
        if (!st.initialized) once(`uninitialized ${t.name}`, 'the server is not initialized (its storage was reset?): not touching it', { pod: t.name });
        else if (st.sealed) sealed.push(t.name);
      }
      if (sealed.length === 0) {
        once('ok', 'unsealed');
        continue;
      }
      ctx.log('found sealed (restarted?): unsealing', { pods: sealed });
      const secret = await ctx.store.getSecret(o.keysSecret);
      if (secret === null) throw new Error(`the keys Secret ${o.keysSecret} disappeared`);
      await unsealAll(ctx, secret);
      last = 'ok';
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      once(`error ${msg}`, 'could not check or unseal; retrying', { error: msg });
    }
  }
}
