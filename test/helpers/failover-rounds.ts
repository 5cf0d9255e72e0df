/**
 * The failover scenario both engines run: under a steady KV v2 write load, kill -9 the
 * active; a standby serves writes again; the killed node is restarted (it unseals itself)
 * before the next round. Returns the kill → first acknowledged write times.
 */
import { KvLoad } from './kv-load.js';
import { startWardCluster, type WardCluster, type WardNode } from './ward-cluster.js';
import { waitFor } from './wait.js';

export async function mountKv(c: WardCluster): Promise<void> {
  const a = await c.active();
  const r = await fetch(`${a.url}/v1/sys/mounts/secret`, { method: 'POST', headers: { 'X-Vault-Token': c.rootToken }, body: JSON.stringify({ type: 'kv', options: { version: '2' } }) });
  if (r.status !== 204) throw new Error(`mounting kv-v2: ${r.status} ${await r.text()}`);
}

export async function killRounds(c: WardCluster, load: KvLoad, rounds: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    await load.ackAfter(Date.now()); // writes are flowing before the kill
    const old = await c.active();
    const killedAt = Date.now();
    await old.kill();
    const ackedAt = await load.ackAfter(killedAt);
    times.push(ackedAt - killedAt);
    await c.active({ not: old });
    old.start();
    await waitFor(`${old.name} to come back as an unsealed standby`, async () => (await old.health()) === 429, { timeoutMs: 60_000, context: c.log });
  }
  return times;
}

/**
 * The failover proof both engines' tests run: `rounds` kill -9s of the active under a KV
 * write load, then every acknowledged write must read back with its value. Reports the
 * kill → first acknowledged write times and the failed attempts as test diagnostics;
 * returns the (stopped) load, whose acknowledged writes later checks can read back.
 */
export async function failoverLosesNothing(c: WardCluster, rounds: number, diagnostic: (msg: string) => void): Promise<KvLoad> {
  const load = new KvLoad(c);
  load.start();
  try {
    const times = await killRounds(c, load, rounds);
    await load.stop();
    diagnostic(`kill -9 → first acknowledged write (ms): ${times.join(', ')}; ${load.acks.length} acknowledged, ${load.failures.length} failed attempts`);
    diagnostic(`failed attempts by cause: ${JSON.stringify(load.failureSummary())}`);
    if (load.acks.length === 0) throw new Error('no write was acknowledged');
    const lost = await load.lost(await c.active());
    if (lost.length > 0) throw new Error(`acknowledged writes lost: ${JSON.stringify(lost.slice(0, 5))} (${lost.length} in all)`);
    return load;
  } finally {
    await load.stop();
  }
}

/** Two nodes with `performance_standby`, KV v2 mounted; waits until the standby reports itself one (473). */
export async function startPerfStandbyPair(engine: 'etcd' | 'postgresql'): Promise<{ c: WardCluster; active: WardNode; standby: WardNode }> {
  const c = await startWardCluster({ engine, nodes: 2, performanceStandby: true });
  await mountKv(c);
  const active = await c.active();
  const standby = c.nodes.find((n) => n !== active)!;
  // Building its read-only subsystems and subscribing to the change stream, behind the mount
  // just made: seconds on a loaded machine, so more than the default 10 s deadline.
  await waitFor('the standby to report itself a performance standby', async () => (await standby.health()) === 473, { timeoutMs: 60_000, context: () => c.log() });
  return { c, active, standby };
}
