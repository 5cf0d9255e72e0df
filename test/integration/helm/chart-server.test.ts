/**
 * The Ward config the chart renders is one Ward accepts (parsed by Ward's own loader in each
 * mode), and the server runs with it exactly as the pod would: the container's command line,
 * environment (downward API mapped to a fake pod), uid/gid and IPC_LOCK only, the chart's
 * ServiceAccount/Role/RoleBinding applied to the fake cluster, with the
 * pod's mount paths mapped to temp dirs. It then labels its pod through service registration,
 * serves TLS 1.2 and 1.3, refuses TLS 1.1, has core dumps off, and answers the probes as intended:
 * uninitialized and sealed are alive but not ready, the unsealed active node is ready.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseConfig } from '../../../src/server/config.js';
import { startFakeKubeApiServer } from '../../fakes/kube-apiserver/index.js';
import type { K8sObject } from '../../helpers/helm.js';
import { GO, ROOT, SETPRIV, skipUnless } from '../../helpers/requirement.js';
import { makeCa } from '../../helpers/test-ca.js';
import { waitFor } from '../../helpers/wait.js';
import { MODES, find, render } from './chart.js';
import { applyServerRbac, procStatus, startChartPod } from './chart-pod.js';
import { wardConfigOf } from './policy.js';
import { assertTls12Plus } from './tls-check.js';

const configText = (docs: K8sObject[]): string => ((find(docs, 'ConfigMap', 'ward-config')?.['data'] as Record<string, string>)['ward.json'] ?? '');

function withEnv<T>(env: Record<string, string>, f: () => T): T {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return f();
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
}

describe("the chart's Ward config", { skip: skipUnless(GO) }, () => {
  for (const mode of MODES) {
    it(`parses with Ward's config loader in mode ${mode}`, () => {
      const r = render(mode, { set: ['server.performanceStandby=true'] });
      const cfg = withEnv({ VAULT_K8S_NAMESPACE: 'ward', VAULT_K8S_POD_NAME: 'ward-0', VAULT_PG_CONNECTION_URL: 'postgres://ward@db/ward' }, () => parseConfig(configText(r.docs), 'ward.json'));
      assert.equal(cfg.storage.type, { standalone: 'sqlite', 'ha-postgresql': 'postgresql', 'ha-etcd': 'etcd' }[mode]);
      assert.deepEqual(cfg.listeners, [{ address: '[::]:8200', clusterAddress: '[::]:8201', tlsDisable: false, tlsCertFile: '/ward/tls/tls.crt', tlsKeyFile: '/ward/tls/tls.key', tlsMinVersion: 'tls12' }]);
      assert.deepEqual(cfg.serviceRegistration, { type: 'kubernetes', namespace: 'ward', podName: 'ward-0' });
      assert.equal(cfg.disableMlock, false);
      assert.equal(cfg.allowRoot, false);
      // Series named without the pod's host name (Prometheus labels them with the pod).
      assert.equal(cfg.telemetry.disableHostname, true);
      assert.equal(cfg.ha.performanceStandby, mode === 'standalone' ? undefined : true);
      if (cfg.storage.type !== 'sqlite') assert.equal((cfg.storage as { haEnabled: boolean }).haEnabled, true);
    });
  }
});

describe('bin/ward server with the rendered config, run as the pod runs it', { skip: skipUnless(GO, ROOT, SETPRIV) }, () => {
  const cleanups: (() => unknown)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('starts, registers its pod, serves TLS 1.2+ only and answers the probes through init, unseal and seal', async () => {
    const r = render('standalone', { set: ['tls.source=secret', 'tls.secretName=ward-tls'] });
    const k = await startFakeKubeApiServer();
    cleanups.push(() => k.close());
    await applyServerRbac(k, r.docs);
    const ca = await makeCa('chart-test');
    const leaf = await ca.server('ward');
    const p = await startChartPod({ docs: r.docs, k, podName: 'ward-0', ca, leaf, cleanups });
    assert.deepEqual(p.container.securityContext.capabilities.add, ['IPC_LOCK']);

    // Uninitialized: alive (204) but not ready (501), so no traffic is routed to it.
    assert.equal(await p.probe('livenessProbe'), 204, p.output());
    assert.equal(await p.probe('readinessProbe'), 501);
    await waitFor('the pod labels from service registration', () => p.labels()['vault-initialized'] === 'false', { context: p.output });
    assert.equal(p.labels()['vault-sealed'], 'true');

    // Initialized and unsealed: ready (active), labelled active; sealed again: alive, not ready.
    const init = await p.call('PUT', '/v1/sys/init', { secret_shares: 1, secret_threshold: 1 });
    assert.equal(init.status, 200);
    assert.equal((await p.call('PUT', '/v1/sys/unseal', { key: init.json.keys[0] })).json.sealed, false);
    await waitFor('the active pod to be ready', async () => (await p.probe('readinessProbe')) === 200, { context: p.output });
    await waitFor('the pod labelled active', () => p.labels()['vault-active'] === 'true', { context: p.output });
    assert.equal((await p.call('PUT', '/v1/sys/seal', undefined, init.json.root_token)).status, 204);
    assert.equal(await p.probe('readinessProbe'), 503);
    assert.equal(await p.probe('livenessProbe'), 204);
    await waitFor('the pod labelled sealed', () => p.labels()['vault-sealed'] === 'true', { context: p.output });

    await assertTls12Plus(p.ip, p.port, ca, leaf, cleanups);

    // No core dumps: Ward set its own RLIMIT_CORE to 0 (the chart starts no shell that could).
    assert.match(readFileSync(`/proc/${p.ward.child.pid}/limits`, 'utf8'), /^Max core file size\s+0\s+0\s/m);
    // Runs as the pod's user with only CAP_IPC_LOCK effective (mlock on: no disable_mlock in the config).
    const status = procStatus(p);
    assert.match(status, /^Uid:\s+100\s/m);
    assert.equal(wardConfigOf(find(r.docs, 'ConfigMap', 'ward-config') as K8sObject)?.['disable_mlock'], undefined);
    const capEff = BigInt(`0x${/^CapEff:\s+([0-9a-f]+)/m.exec(status)?.[1] ?? '0'}`);
    assert.equal(capEff, 1n << 14n, 'only CAP_IPC_LOCK (14) is effective');
  });
});
