/**
 * The chart's ha-postgresql mode live: two pods run as the chart runs them against a real
 * PostgreSQL (the connection URL from the Secret the values name). After init and unseal,
 * one is active and one standby; both pass the readiness probe (standbyok), and the
 * -active, -standby and main Services select the right pods by the labels service
 * registration writes.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeKubeApiServer } from '../../fakes/kube-apiserver/index.js';
import { startPostgres } from '../../helpers/postgres.js';
import { GO, POSTGRES, ROOT, SETPRIV, skipUnless } from '../../helpers/requirement.js';
import { makeCa } from '../../helpers/test-ca.js';
import { waitFor } from '../../helpers/wait.js';
import { render } from './chart.js';
import { applyServerRbac, selectedPods, startChartPod, type ChartPod } from './chart-pod.js';

describe('the chart in mode ha-postgresql, run as its pods run', { skip: skipUnless(GO, ROOT, SETPRIV, POSTGRES) }, () => {
  const cleanups: (() => unknown)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('elects one active pod; both are ready and the services select them by role', async () => {
    const pg = await startPostgres();
    cleanups.push(() => pg.stop());
    const r = render('ha-postgresql', { set: ['tls.source=secret', 'tls.secretName=ward-tls'] });
    const k = await startFakeKubeApiServer();
    cleanups.push(() => k.close());
    await applyServerRbac(k, r.docs);
    const ca = await makeCa('chart-ha');
    const leaf = await ca.server('ward');
    const secrets = { 'ward-postgresql': { connection_url: pg.url } };
    const pods: ChartPod[] = [];
    for (const podName of ['ward-0', 'ward-1']) pods.push(await startChartPod({ docs: r.docs, k, podName, ca, leaf, secrets, cleanups }));
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
  });
});
