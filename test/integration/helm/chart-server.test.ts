/**
 * The Ward config the chart renders is one Ward accepts (parsed by Ward's own loader in each
 * mode), and the server runs with it exactly as the pod would: the container's command line,
 * environment (downward API mapped to a fake pod), uid/gid and IPC_LOCK only, the chart's
 * ServiceAccount/Role/RoleBinding applied to the fake cluster, with the
 * pod's mount paths mapped to temp dirs. It then labels its pod through service registration,
 * serves TLS 1.2 and 1.3, refuses TLS 1.1, and answers the chart's probes as intended:
 * uninitialized and sealed are alive but not ready, the unsealed active node is ready.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer, type ConnectionOptions } from 'node:tls';
import { parseConfig } from '../../../src/server/config.js';
import { CoreV1Api, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { startFakeKubeApiServer } from '../../fakes/kube-apiserver/index.js';
import { kubeConfigFor } from '../../fakes/kube-apiserver/test-client.js';
import type { K8sObject } from '../../helpers/helm.js';
import { freePort, REPO_ROOT, spawnWard, WARD_BIN } from '../../helpers/process.js';
import { GO, ROOT, SETPRIV, skipUnless } from '../../helpers/requirement.js';
import { makeCa } from '../../helpers/test-ca.js';
import { waitFor } from '../../helpers/wait.js';
import { MODES, find, render } from './chart.js';
import { wardConfigOf } from './policy.js';

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
    const sts = find(r.docs, 'StatefulSet', 'ward') as K8sObject & { spec: { template: { spec: Record<string, any> } } }; // any: plain JSON of the pod spec
    const pod = sts.spec.template.spec;
    const container = pod['containers'][0];
    const uid: number = pod['securityContext'].runAsUser;
    const gid: number = pod['securityContext'].runAsGroup;
    assert.deepEqual(container.securityContext.capabilities.add, ['IPC_LOCK']);

    // The pod's mounts, as temp dirs owned by the pod's user.
    const root = mkdtempSync(join(tmpdir(), 'ward-chart-'));
    cleanups.push(() => rmSync(root, { recursive: true, force: true }));
    for (const d of ['config', 'tls', 'data', 'serviceaccount']) mkdirSync(join(root, d));
    const ca = await makeCa('chart-test');
    const leaf = await ca.server('ward');
    writeFileSync(join(root, 'tls', 'tls.crt'), leaf.certPem);
    writeFileSync(join(root, 'tls', 'tls.key'), leaf.keyPem, { mode: 0o600 });
    writeFileSync(join(root, 'tls', 'ca.crt'), ca.certPem);
    const port = await freePort();
    const clusterPort = await freePort();
    const mapped = configText(r.docs)
      .replaceAll('/ward/tls/', `${root}/tls/`)
      .replaceAll('/ward/data/', `${root}/data/`)
      .replace('[::]:8200', `127.0.0.1:${port}`)
      .replace('[::]:8201', `127.0.0.1:${clusterPort}`);
    const configFile = join(root, 'config', 'ward.json');
    writeFileSync(configFile, mapped);

    // The pod in a fake API server, and its service-account token.
    const k = await startFakeKubeApiServer();
    cleanups.push(() => k.close());
    // The chart's own ServiceAccount, Role and RoleBinding: service registration must work with exactly these.
    const kc = kubeConfigFor(k);
    await kc.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: 'ward' } } });
    const generic = KubernetesObjectApi.makeApiClient(kc);
    for (const [kind, name] of [['ServiceAccount', 'ward'], ['Role', 'ward-service-registration'], ['RoleBinding', 'ward-service-registration']] as const) {
      await generic.create(find(r.docs, kind, name) as unknown as KubernetesObject);
    }
    const created = k.createPod('ward', 'ward-0', {});
    writeFileSync(join(root, 'serviceaccount', 'token'), await k.issueToken({ namespace: 'ward', name: 'ward', pod: { name: 'ward-0', uid: created.metadata.uid } }));
    writeFileSync(join(root, 'serviceaccount', 'ca.crt'), k.caPem);
    for (const p of ['', 'config', 'config/ward.json', 'tls', 'tls/tls.crt', 'tls/tls.key', 'tls/ca.crt', 'data', 'serviceaccount', 'serviceaccount/token', 'serviceaccount/ca.crt']) chownSync(join(root, p), uid, gid);

    // The container's environment: downward API fields from the fake pod, $(VAR) expanded as the kubelet does.
    const env: Record<string, string> = {};
    const field: Record<string, string> = { 'metadata.name': 'ward-0', 'metadata.namespace': 'ward', 'status.podIP': '127.0.0.1' };
    for (const e of container.env as { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[]) {
      if (e.value !== undefined) env[e.name] = e.value.replace(/\$\((\w+)\)/g, (_m, v: string) => env[v] ?? '');
      else if (e.valueFrom?.fieldRef) env[e.name] = field[e.valueFrom.fieldRef.fieldPath] ?? '';
    }
    env['VAULT_CACERT'] = join(root, 'tls', 'ca.crt');
    Object.assign(env, { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: new URL(k.url).port, WARD_K8S_SERVICEACCOUNT_DIR: join(root, 'serviceaccount') });

    // The container's command line, with the image's paths mapped to this checkout.
    assert.deepEqual(container.command, ['/usr/local/bin/node', '/app/bin/ward']);
    assert.equal(container.args[0], 'server');
    assert.deepEqual(container.args.slice(1), ['-config=/ward/config/ward.json']);
    const wrap = ['setpriv', `--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', '--inh-caps=+ipc_lock', '--ambient-caps=+ipc_lock'];
    const ward = spawnWard(['server', `-config=${configFile}`], `https://127.0.0.1:${port}`, env, wrap);
    cleanups.push(() => ward.kill());
    assert.equal(WARD_BIN, join(REPO_ROOT, 'bin', 'ward'));

    const call = (method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; json: any }> => // any: Vault's JSON bodies
      new Promise((resolve, reject) => {
        const headers: Record<string, string> = token ? { 'X-Vault-Token': token } : {};
        const req = https.request({ host: '127.0.0.1', port, path, method, ca: ca.certPem, servername: 'localhost', headers }, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString('utf8')));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : undefined }));
        });
        req.on('error', reject);
        req.end(body === undefined ? undefined : JSON.stringify(body));
      });
    const get = async (path: string): Promise<number> => (await call('GET', path)).status;
    const probe = (name: 'readinessProbe' | 'livenessProbe'): Promise<number> => get(container[name].httpGet.path);
    const output = (): string => `stdout:\n${ward.stdout()}\nstderr:\n${ward.stderr()}`;
    await waitFor('ward to answer over TLS', () => get('/v1/sys/health').catch(() => undefined), { timeoutMs: 20_000, context: output });

    // Uninitialized: alive (204) but not ready (501), so no traffic is routed to it.
    assert.equal(await probe('livenessProbe'), 204, output());
    assert.equal(await probe('readinessProbe'), 501);
    await waitFor('the pod labels from service registration', () => k.pod('ward', 'ward-0')?.metadata.labels?.['vault-initialized'] === 'false', { context: output });
    assert.equal(k.pod('ward', 'ward-0')?.metadata.labels?.['vault-sealed'], 'true');

    // Initialized and unsealed: ready (active), labelled active; sealed again: alive, not ready.
    const init = await call('PUT', '/v1/sys/init', { secret_shares: 1, secret_threshold: 1 });
    assert.equal(init.status, 200);
    assert.equal((await call('PUT', '/v1/sys/unseal', { key: init.json.keys[0] })).json.sealed, false);
    await waitFor('the active pod to be ready', async () => (await probe('readinessProbe')) === 200, { context: output });
    await waitFor('the pod labelled active', () => k.pod('ward', 'ward-0')?.metadata.labels?.['vault-active'] === 'true', { context: output });
    assert.equal((await call('PUT', '/v1/sys/seal', undefined, init.json.root_token)).status, 204);
    assert.equal(await probe('readinessProbe'), 503);
    assert.equal(await probe('livenessProbe'), 204);
    await waitFor('the pod labelled sealed', () => k.pod('ward', 'ward-0')?.metadata.labels?.['vault-sealed'] === 'true', { context: output });

    const handshake = (o: ConnectionOptions, target = port): Promise<string> =>
      new Promise((resolve, reject) => {
        const s = connect({ host: '127.0.0.1', port: target, ca: ca.certPem, servername: 'localhost', ...o }, () => {
          const v = s.getProtocol() ?? '';
          s.end();
          resolve(v);
        });
        s.on('error', reject);
      });
    assert.equal(await handshake({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' }), 'TLSv1.2');
    assert.equal(await handshake({ minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' }), 'TLSv1.3');
    // Control: this client does speak TLS 1.1 to a server that allows it, so Ward's refusal is Ward's.
    const tls11 = { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' } as const;
    const open = createServer({ cert: leaf.certPem, key: leaf.keyPem, minVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' }, (s) => s.end());
    await new Promise<void>((res) => open.listen(0, '127.0.0.1', res));
    cleanups.push(() => new Promise((res) => open.close(res)));
    assert.equal(await handshake(tls11, (open.address() as { port: number }).port), 'TLSv1.1');
    await assert.rejects(handshake(tls11), /protocol version|alert/i);

    // Runs as the pod's user, with IPC_LOCK effective (mlock on: no disable_mlock in the config).
    const status = await import('node:fs').then((fs) => fs.readFileSync(`/proc/${ward.child.pid}/status`, 'utf8'));
    assert.match(status, new RegExp(`^Uid:\\s+${uid}\\s`, 'm'));
    assert.equal(wardConfigOf(find(r.docs, 'ConfigMap', 'ward-config') as K8sObject)?.['disable_mlock'], undefined);
    const capEff = BigInt(`0x${/^CapEff:\s+([0-9a-f]+)/m.exec(status)?.[1] ?? '0'}`);
    assert.equal(capEff, 1n << 14n, 'only CAP_IPC_LOCK (14) is effective');
  });
});
