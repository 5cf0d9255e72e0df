/**
 * `ward k8s bootstrap` against an HA StatefulSet with a Shamir seal: two real Ward processes on
 * one etcd, both sealed after init. The job initializes through the first, unseals every pod
 * (each needs its own unseal), finds the active one for the configuration, and revokes root:
 * one pod ends active, the other standby.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CoreV1Api } from '@kubernetes/client-node';
import { WardClient } from '../../src/api/index.js';
import { startFakeKubeApiServer, type FakeKubeApiServer } from '../fakes/kube-apiserver/index.js';
import { kubeConfigFor } from '../fakes/kube-apiserver/test-client.js';
import { ETCD, startEtcd, type TestEtcd } from '../helpers/etcd.js';
import { freePort } from '../helpers/net.js';
import { testPgpKey } from '../helpers/pgp.js';
import { spawnWard, type WardProcess } from '../helpers/process.js';
import { skipUnless } from '../helpers/requirement.js';
import { waitFor } from '../helpers/wait.js';

const NS = 'ward';

describe('k8s bootstrap job on an HA Shamir cluster', { skip: skipUnless(ETCD), timeout: 180_000 }, () => {
  const cleanups: Array<() => unknown> = [];
  let dir: string;
  let kube: FakeKubeApiServer;
  let etcd: TestEtcd;
  const pods: { url: string; proc: WardProcess }[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ward-bootstrap-ha-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    [kube, etcd] = await Promise.all([startFakeKubeApiServer(), startEtcd(1)]);
    cleanups.push(() => kube.close(), () => etcd.stop());
    for (const name of ['ward-0', 'ward-1']) {
      const [port, clusterPort] = [await freePort(), await freePort()];
      const cfg = join(dir, `${name}.hcl`);
      writeFileSync(cfg, [
        `storage "etcd" {\n  address = "${etcd.address}"\n  path = "/ward-bootstrap-ha/"\n  ha_enabled = "true"\n  lock_timeout = "3s"\n}`,
        `listener "tcp" {\n  address = "127.0.0.1:${port}"\n  cluster_address = "127.0.0.1:${clusterPort}"\n  tls_disable = true\n}`,
        `api_addr = "http://127.0.0.1:${port}"`, `cluster_addr = "https://127.0.0.1:${clusterPort}"`, 'disable_mlock = true', 'allow_root = true', '',
      ].join('\n'));
      const url = `http://127.0.0.1:${port}`;
      const proc = spawnWard(['server', `-config=${cfg}`], url);
      cleanups.push(() => proc.kill());
      pods.push({ url, proc });
    }
    for (const p of pods) {
      await waitFor(`${p.url} to answer`, () => new WardClient({ address: p.url }).sealStatus().catch(() => undefined), { timeoutMs: 30_000, context: () => p.proc.stderr() });
    }
    const core = kubeConfigFor(kube).makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: NS } } });
    const [job, alice] = await Promise.all([testPgpKey('job'), testPgpKey('alice')]);
    await core.createNamespacedSecret({ namespace: NS, body: { metadata: { name: 'ward-bootstrap' }, stringData: { 'job.key': job.armoredPrivate, 'job.pub': job.armoredPublic } } });
    writeFileSync(join(dir, 'alice.asc'), alice.armoredPublic);
    writeFileSync(join(dir, 'kubeconfig'), kube.kubeconfig(), { mode: 0o600 });
  });

  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  test('every pod is unsealed; one is active, the other standby; root revoked', async () => {
    const p = spawnWard(['k8s', 'bootstrap', `-kubeconfig=${join(dir, 'kubeconfig')}`, `-namespace=${NS}`, `-address=${pods.map((x) => x.url).join(',')}`,
      `-pgp-keys=secret:ward-bootstrap/job.pub,secret:ward-bootstrap/job.pub,${join(dir, 'alice.asc')}`, '-key-threshold=2',
      '-bootstrap-pgp-key=secret:ward-bootstrap/job.key', '-audit-type=none', '-wait-timeout=60s']);
    cleanups.push(() => p.kill());
    const r = await p.exited;
    assert.equal(r.code, 0, p.stderr());
    assert.match(p.stderr(), /"msg":"server answered","pod":"http:\/\/127\.0\.0\.1:\d+","initialized":false,"sealed":true,"seal_type":"shamir"/);
    const unsealed = p.stderr().split('\n').filter((l) => l.includes('"msg":"unsealed"'));
    assert.equal(unsealed.length, 2, p.stderr());
    assert.ok(unsealed.every((l) => l.includes('"ha_enabled":true')), p.stderr());
    const codes = await Promise.all(pods.map((x) => fetch(`${x.url}/v1/sys/health`).then((res) => res.status)));
    assert.deepEqual(codes.sort(), [200, 429]);
  });
});
