/**
 * The failover scenario both engines run: under a steady KV v2 write load, kill -9 the
 * active; a standby serves writes again; the killed node is restarted (it unseals itself)
 * before the next round. Returns the kill → first acknowledged write times.
 */
import { KvLoad } from './kv-load.js';
import type { WardCluster } from './ward-cluster.js';
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
