/**
 * The chart's HA modes live: two pods run as the chart runs them against a real PostgreSQL
 * (the connection URL from the Secret the values name) or a real etcd (client certificates
 * from the Secret mounted at /ward/etcd-tls, as values-ha-etcd.yaml asks). After init and unseal,
 * one is active and one standby; both pass the readiness probe (standbyok) and serve TLS 1.2+
 * only (tls-check.ts), and the -active, -standby and main Services select the right pods by
 * the labels service registration writes.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeKubeApiServer } from '../../fakes/kube-apiserver/index.js';
import { ETCD, startEtcd } from '../../helpers/etcd.js';
import { startPostgres } from '../../helpers/postgres.js';
import { GO, POSTGRES, ROOT, SETPRIV, skipUnless, type Requirement } from '../../helpers/requirement.js';
import { makeCa } from '../../helpers/test-ca.js';
import { waitFor } from '../../helpers/wait.js';
import { render, type Mode } from './chart.js';
import { applyServerRbac, selectedPods, startChartPod, type ChartPod, type PodOptions } from './chart-pod.js';
import { assertTls12Plus } from './tls-check.js';

const ca = makeCa('chart-ha');

/** The storage for `mode`, the values that point the chart at it, and what the pods need to reach it. */
async function storage(mode: Mode, cleanups: (() => unknown)[]): Promise<{ set: string[]; pod: Pick<PodOptions, 'secrets' | 'files'> }> {
  if (mode === 'ha-postgresql') {
    const pg = await startPostgres();
    cleanups.push(() => pg.stop());
    return { set: [], pod: { secrets: { 'ward-postgresql': { connection_url: pg.url } } } };
  }
  const dir = mkdtempSync(join(tmpdir(), 'ward-chart-etcd-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const server = await (await ca).server('etcd');
  const client = await (await ca).client('ward');
  for (const [f, text] of [['server.crt', server.certPem], ['server.key', server.keyPem], ['ca.crt', (await ca).certPem]] as const) writeFileSync(join(dir, f), text);
  const etcd = await startEtcd(1, { tls: { cert: join(dir, 'server.crt'), key: join(dir, 'server.key'), ca: join(dir, 'ca.crt') } });
  cleanups.push(() => etcd.stop());
  return { set: [`server.etcd.address=${etcd.address}`], pod: { files: { '/ward/etcd-tls': { 'ca.crt': (await ca).certPem, 'tls.crt': client.certPem, 'tls.key': client.keyPem } } } };
}

const HA_MODES: { mode: Mode; needs: Requirement[] }[] = [
  { mode: 'ha-postgresql', needs: [POSTGRES] },
  { mode: 'ha-etcd', needs: [ETCD] },
];

for (const { mode, needs } of HA_MODES) describe(`the chart in mode ${mode}, run as its pods run`, { skip: skipUnless(GO, ROOT, SETPRIV, ...needs) }, () => {
  const cleanups: (() => unknown)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('elects one active pod; both are ready, serve TLS 1.2+ only, and the services select them by role', async () => {
    const store = await storage(mode, cleanups);
    const r = render(mode, { set: ['tls.source=secret', 'tls.secretName=ward-tls', ...store.set] });
    const k = await startFakeKubeApiServer();
    cleanups.push(() => k.close());
    await applyServerRbac(k, r.docs);
    const leaf = await (await ca).server('ward');
    const pods: ChartPod[] = [];
    for (const podName of ['ward-0', 'ward-1']) pods.push(await startChartPod({ docs: r.docs, k, podName, ca: await ca, leaf, ...store.pod, cleanups }));
    const [first, second] = pods as [ChartPod, ChartPod];
    const output = (): string => pods.map((p) => p.output()).join('\n');

    const init = await first.call('PUT', '/v1/sys/init', { secret_shares: 1, secret_threshold: 1 });
    assert.equal(init.status, 200, output());
    for (const p of pods) {
      await waitFor(`${p.name} to unseal`, async () => (await p.call('PUT', '/v1/sys/unseal', { key: init.json.keys[0] })).json?.sealed === false, { timeoutMs: 20_000, context: output });
    }
    await waitFor('one active and one standby pod, both ready', async () => {
      const ready = await Promise.all(pods.map((p) => p.probe('readinessProbe')));
      const active = pods.map((p) => p.labels()['vault-active']);
      return ready.every((s) => s === 200) && active.filter((a) => a === 'true').length === 1 && active.filter((a) => a === 'false').length === 1;
    }, { timeoutMs: 30_000, context: output });

    const active = pods.find((p) => p.labels()['vault-active'] === 'true') as ChartPod;
    const standby = active === first ? second : first;
    // The standby is a standby by sys/health's own answer (429 without standbyok), yet the probe passes.
    assert.equal(await standby.get('/v1/sys/health'), 429);
    assert.equal(await standby.probe('readinessProbe'), 200);
    const names = pods.map((p) => p.name);
    assert.deepEqual(selectedPods(k, r.docs, 'ward-active', names), [active.name]);
    assert.deepEqual(selectedPods(k, r.docs, 'ward-standby', names), [standby.name]);
    assert.deepEqual(selectedPods(k, r.docs, 'ward', names), names);
    // The rendered listener, as each pod runs it, speaks TLS 1.2 and 1.3 only.
    for (const p of pods) await assertTls12Plus(p.ip, p.port, await ca, leaf, cleanups);
  });
});
