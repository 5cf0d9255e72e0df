/**
 * Leader election between separate processes on the fake API server's Lease: one leads;
 * a leader that is killed (no release) is replaced only after its lease expires; a leader
 * that shuts down releases the Lease and is replaced at once. The Lease carries the fields
 * client-go writes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeKubeApiServer } from '../../fakes/kube-apiserver/index.js';
import { writeKubeconfig } from '../../fakes/kube-apiserver/kubeconfig.js';
import { waitFor } from '../../helpers/wait.js';

const SCRIPT = fileURLToPath(new URL('./fixtures/kube-elector.js', import.meta.url));

interface Elector {
  name: string;
  proc: ChildProcess;
  out: () => string;
  leading: () => boolean;
}

function spawnElector(kubeconfig: string, name: string): Elector {
  const proc = spawn(process.execPath, [SCRIPT, kubeconfig, name], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const lines = (): string[] => out.split('\n').filter((l) => l === 'leading' || l === 'stopped');
  return { name, proc, out: () => out, leading: () => lines().at(-1) === 'leading' };
}

const exited = (p: ChildProcess): Promise<void> => (p.exitCode !== null || p.signalCode !== null ? Promise.resolve() : new Promise((r) => p.once('exit', () => r())));

test('two elector processes: one leads; killed, the other takes over after expiry; shut down, the Lease is released at once', async (t) => {
  const k = await startFakeKubeApiServer({ namespaces: { 'ward-system': {} } });
  const dir = mkdtempSync(join(tmpdir(), 'elector-'));
  const kubeconfig = join(dir, 'kubeconfig');
  await writeKubeconfig(kubeconfig, k);
  const procs: Elector[] = [];
  t.after(async () => {
    for (const p of procs) {
      p.proc.kill('SIGKILL');
      await exited(p.proc);
    }
    await k.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const lease = () => k.object('coordination.k8s.io/v1', 'Lease', 'ward-system', 'elector-test') as { spec?: Record<string, unknown> } | undefined;
  const ctx = () => procs.map((p) => `${p.name}: ${p.out()}`).join('\n') + `\nlease: ${JSON.stringify(lease())}`;

  const a = spawnElector(kubeconfig, 'a');
  procs.push(a);
  await waitFor('a leads', () => a.leading(), { timeoutMs: 30_000, context: ctx }); // a process start
  const b = spawnElector(kubeconfig, 'b');
  procs.push(b);
  // Let a renew a few times while b competes.
  const renewals = new Set<string>();
  await waitFor('three renewals by a with b running', () => {
    renewals.add(String(lease()?.spec?.['renewTime']));
    return renewals.size >= 3;
  }, { context: ctx });
  const spec = lease()?.spec ?? {};
  assert.equal(spec['holderIdentity'], 'a');
  assert.equal(spec['leaseDurationSeconds'], 2);
  assert.match(String(spec['renewTime']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/, 'MicroTime with six fractional digits');
  assert.equal(b.leading(), false);

  a.proc.kill('SIGKILL'); // crashed: the lease stays held until it expires
  await exited(a.proc);
  const lastRenewByA = Date.parse(String(lease()?.spec?.['renewTime']));
  await waitFor('b takes over', () => b.leading(), { context: ctx });
  const acquiredByB = Date.parse(String(lease()?.spec?.['acquireTime']));
  assert.ok(acquiredByB - lastRenewByA >= 2_000, `b took the lease only after a's last renewal had expired (${acquiredByB - lastRenewByA} ms after it)`);
  assert.equal(lease()?.spec?.['holderIdentity'], 'b');
  assert.equal(lease()?.spec?.['leaseTransitions'], 1);

  const c = spawnElector(kubeconfig, 'c');
  procs.push(c);
  b.proc.kill('SIGTERM'); // graceful: releases the lease
  await exited(b.proc);
  await waitFor('c takes over the released lease', () => c.leading(), { context: ctx });
  assert.equal(lease()?.spec?.['holderIdentity'], 'c');
  assert.equal(lease()?.spec?.['leaseTransitions'], 2);
});
