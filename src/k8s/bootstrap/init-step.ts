/**
 * Diagnosis and initialisation. Init runs only when the server says it is not initialized,
 * and its response (every share and the root token already PGP-encrypted by the server) is
 * written to the keys Secret before anything else happens. Kubernetes permissions are proven
 * first (the Secret is created empty, state "pending"), the intent is recorded in the progress
 * record, and SIGTERM is held back until the response is stored, so only a SIGKILL (or a
 * node loss) in the few milliseconds between the server's answer and the Secret write can lose
 * it — and a re-run then says exactly that instead of guessing.
 */
import type { InitRequest, InitResponse, SealStatus } from '../../api/index.js';
import { pgpFingerprint, parsePgpPublicKey } from '../../lib/pgp.js';
import { poll, wardClient, type Ctx, type Target } from './context.js';
import { describeRef } from './refs.js';
import { STATE, type StoredSecret } from './store.js';

export async function diagnose(ctx: Ctx): Promise<{ targets: Target[]; status: SealStatus }> {
  let found: Target[] = [];
  const targets = await poll(`${ctx.o.expectedPods} Ward pods`, ctx.o.waitTimeoutMs, async () => {
    found = await ctx.targets();
    return found.length >= ctx.o.expectedPods ? found : undefined;
  }).catch((e: unknown) => {
    throw new Error(`${(e as Error).message} (found ${found.length}${found.length > 0 ? `: ${found.map((t) => t.name).join(', ')}` : ''})`);
  });
  let first: SealStatus | undefined;
  for (const t of targets) {
    const st = await poll(`${t.name} to answer`, ctx.o.waitTimeoutMs, () => t.client.sealStatus());
    // A sealed node cannot say whether it runs HA (Vault's sys/leader needs it unsealed).
    const leader = st.sealed ? undefined : await t.client.leader().catch(() => undefined);
    ctx.log('server answered', { pod: t.name, initialized: st.initialized, sealed: st.sealed, seal_type: String(st.type), ha_enabled: leader === undefined ? 'unknown while sealed' : leader.ha_enabled, threshold: st.t, shares: st.n });
    first ??= st;
  }
  return { targets, status: first! };
}

async function publicKeys(ctx: Ctx, refs: Ctx['o']['pgpKeys']): Promise<string[]> {
  const out: string[] = [];
  for (const r of refs) {
    const raw = await ctx.store.readRef(r);
    // Parsed here so a bad key stops the job before init, with the reference that holds it.
    const text = raw.toString('latin1').includes('-----BEGIN PGP PUBLIC KEY BLOCK-----') ? raw.toString('latin1') : raw.toString('base64');
    try {
      await parsePgpPublicKey(text);
    } catch (e) {
      throw new Error(`${describeRef(r)}: ${(e as Error).message}`);
    }
    out.push(text);
  }
  return out;
}

export async function ensureInitialized(ctx: Ctx, target: Target, status: SealStatus): Promise<void> {
  const { o, store, log } = ctx;
  const stored = await store.getSecret(o.keysSecret);
  const progress = await store.getProgress(o.progressSecret);
  const hasKeys = stored !== null && stored.annotations[STATE] === 'stored';
  if (status.initialized) {
    if (hasKeys) {
      log('already initialized; the encrypted keys are in the keys Secret', { secret: o.keysSecret });
      return;
    }
    if (progress['init']?.startsWith('stored')) {
      throw new Error(`the keys Secret ${o.keysSecret} no longer holds the keys this job stored (${progress['init']}): restore it from your backup`);
    }
    if (progress['init'] !== undefined) {
      // Killed between the answer and the Secret write: the server keeps an all-encrypted
      // answer until its first unseal (sys/init/response), so the shares are not lost.
      const kept = await target.client.initResponse().catch(() => null);
      if (kept !== null && stored !== null) {
        log('the job was killed before storing the init answer; the server kept it (encrypted): storing it now', { secret: o.keysSecret });
        await storeInitResponse(ctx, status.recovery_seal === true, kept, stored.annotations);
        await store.mark(o.progressSecret, 'init', `stored ${new Date().toISOString()}`);
        return;
      }
      throw new Error(`the server is initialized but the keys Secret ${o.keysSecret} holds no keys although this job requested init (${progress['init']}): ` +
        'the job was killed between the server\'s answer and the Secret write, and the key shares are lost. Nothing but the initialization ' +
        'itself was ever written to the server; wipe its storage and run the job again.');
    }
    throw new Error(`the server was initialized outside this job (no keys in Secret ${o.keysSecret}, no init in ${o.progressSecret}): not touching it`);
  }
  if (hasKeys) {
    throw new Error(`the server is not initialized but Secret ${o.keysSecret} holds the keys of an earlier initialization: ` +
      'its storage was reset? Move the Secret aside (it is the only copy of those keys) before initializing again.');
  }
  const recovery = status.recovery_seal === true;
  const pgpKeys = await publicKeys(ctx, recovery ? o.recoveryPgpKeys : o.pgpKeys);
  const rootKey = ctx.jobKey.toPublic();
  const req: InitRequest = recovery
    ? { secret_shares: 0, secret_threshold: 0, recovery_shares: o.recoveryShares, recovery_threshold: o.recoveryThreshold, recovery_pgp_keys: pgpKeys, root_token_pgp_key: Buffer.from(rootKey.write()).toString('base64') }
    : { secret_shares: o.keyShares, secret_threshold: o.keyThreshold, pgp_keys: pgpKeys, root_token_pgp_key: Buffer.from(rootKey.write()).toString('base64') };
  if (pgpKeys.length === 0) throw new Error(recovery ? 'the server has an auto seal: give -recovery-pgp-keys' : 'the server has a Shamir seal: give -pgp-keys');
  const fingerprints = await Promise.all(pgpKeys.map(async (k) => pgpFingerprint(await parsePgpPublicKey(k))));
  const annotations = {
    [STATE]: 'pending',
    'ward.io/seal-type': String(status.type),
    'ward.io/shares': String(recovery ? o.recoveryShares : o.keyShares),
    'ward.io/threshold': String(recovery ? o.recoveryThreshold : o.keyThreshold),
    'ward.io/share-recipients': fingerprints.join(','),
    'ward.io/root-token-recipient': pgpFingerprint(rootKey),
  };
  // Proves the job may write the Secret before there is anything to lose.
  await store.putSecret(o.keysSecret, { data: {}, annotations });
  await store.mark(o.progressSecret, 'init', `requested ${new Date().toISOString()}`);
  await ctx.hook('init-requested');
  await ctx.critical(async () => {
    const r = await wardClient(o, target.client.address, 5 * 60_000).init(req);
    await ctx.hook('init-response');
    await storeInitResponse(ctx, recovery, r, annotations);
  });
  log('initialized; encrypted key shares and root token stored', { secret: o.keysSecret, shares: Number(annotations['ward.io/shares']), threshold: Number(annotations['ward.io/threshold']), recipients: fingerprints });
  await store.mark(o.progressSecret, 'init', `stored ${new Date().toISOString()}`);
}

/** The init answer (every value a PGP ciphertext) into the keys Secret; printed if that cannot be written. */
async function storeInitResponse(ctx: Ctx, recovery: boolean, r: InitResponse, annotations: Record<string, string>): Promise<void> {
  const { o, store } = ctx;
  const data: Record<string, Buffer> = {};
  const shares = recovery ? r.recovery_keys_base64 ?? [] : r.keys_base64;
  shares.forEach((k, i) => (data[`${recovery ? 'recovery' : 'unseal'}-key-${i + 1}`] = Buffer.from(k, 'base64')));
  data['root-token'] = Buffer.from(r.root_token, 'base64');
  const secret: StoredSecret = { data, annotations: { ...annotations, [STATE]: 'stored' } };
  try {
    await poll(`the keys Secret ${o.keysSecret} to be written`, o.waitTimeoutMs, async () => {
      await store.putSecret(o.keysSecret, secret);
      return true;
    });
  } catch (e) {
    // The last copy of the response: printed rather than lost. Every value in it is a PGP
    // ciphertext (the shares to the operators' keys, the token to the job's), as `vault
    // operator init -pgp-keys` prints them.
    ctx.stdout(`${JSON.stringify(r, null, 2)}\n`);
    throw new Error(`could not store the init response in Secret ${o.keysSecret} (${(e as Error).message}); its encrypted shares and root token are printed on stdout: save them now`);
  }
}
