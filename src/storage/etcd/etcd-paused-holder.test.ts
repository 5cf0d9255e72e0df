/**
 * The fencing scenario of issue 15 at the storage level, with a real process: a node holds
 * the lock and writes steadily; it is frozen (SIGSTOP) past the lock TTL; another node takes
 * the lock and writes; the frozen node resumes (SIGCONT) still mid-loop. etcd must refuse
 * every write it attempts from then on, so the new active's value stands.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import { ETCD, startEtcd } from '../../../test/helpers/etcd.js';
import { skipUnless } from '../../../test/helpers/requirement.js';
import { waitFor } from '../../../test/helpers/wait.js';
import { freshPath, openTestStore } from './test-store.js';

const CHILD = `
const { openTestStore } = await import(process.env.STORE_MODULE);
const s = await openTestStore(process.env.ETCD_ADDRESS, { path: process.env.ETCD_PATH, haEnabled: true, lockTtlSeconds: 2 });
await s.ha.lock('core/lock', 'paused-node').acquire(new AbortController().signal);
console.log('held');
for (let i = 0; ; i++) {
  try {
    await s.put('data/k', Buffer.from('paused-' + i));
    console.log('ok ' + i);
  } catch (e) {
    console.log('refused ' + e.name);
    break;
  }
  await new Promise((r) => setTimeout(r, 20));
}
await s.close();
`;

describe('a holder frozen past its lock TTL', { skip: skipUnless(ETCD) }, () => {
  test('SIGSTOP past the TTL, another node takes over and writes, SIGCONT: the old holder writes nothing more', { timeout: 90_000 }, async () => {
    const etcd = await startEtcd(3);
    const path = freshPath();
    const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD], {
      env: { ...process.env, STORE_MODULE: new URL('./test-store.js', import.meta.url).href, ETCD_ADDRESS: etcd.address, ETCD_PATH: path },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    const b = await openTestStore(etcd.address, { path, haEnabled: true });
    try {
      await waitFor('the child to hold the lock and write', () => /ok 3\n/.test(out), { timeoutMs: 30_000, context: () => out });
      child.kill('SIGSTOP');
      const held = await b.ha!.lock('core/lock', 'new-active').acquire(new AbortController().signal);
      await b.put('data/k', Buffer.from('from-new-active'));
      child.kill('SIGCONT');
      await waitFor('the resumed node to be refused', () => /refused LockLostError/.test(out), { timeoutMs: 30_000, context: () => out });
      assert.equal((await b.get('data/k'))?.toString(), 'from-new-active');
      assert.equal(await b.ha!.lock('core/lock', 'x').value(), 'new-active');
      await held.release();
    } finally {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
      await exited;
      await b.close();
      await etcd.stop();
    }
  });
});
