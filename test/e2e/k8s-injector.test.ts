/**
 * The sidecar injector end to end, as an operator deploys it and an application team uses
 * it: deploy/kubernetes/injector.yaml applied unchanged to the fake cluster (RBAC, the
 * MutatingWebhookConfiguration), a real `ward k8s injector` process with -tls-auto running
 * under the manifest's service account, a Ward server behind TLS with Kubernetes auth, a KV v2
 * secret and PostgreSQL credentials from a real PostgreSQL. A pod annotated as for vault-k8s
 * is created through @kubernetes/client-node; the fake calls the webhook; the pod runner runs
 * the mutated pod; the app sees its /vault/secrets files, their re-render after a KV change,
 * and on shutdown the agent revokes its token and the database credentials with it. A pod
 * with a broken annotation is refused with the injector's message.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CoreV1Api, KubernetesObjectApi, type KubernetesObject, type V1Pod } from '@kubernetes/client-node';
import yaml from 'js-yaml';
import pg from 'pg';
import { createHandler } from '../../src/http/handler.js';
import { startListener, type Listener } from '../../src/http/listener.js';
import { silentLogger } from '../../src/sdk/logical.js';
import { startFakeKubeApiServer, type FakeKubeApiServer } from '../fakes/kube-apiserver/index.js';
import { failure, kubeConfigFor } from '../fakes/kube-apiserver/test-client.js';
import { runStoredPod, type StoredPod } from '../fakes/pod-runner/stored-pod.js';
import { POD_SANDBOX } from '../fakes/pod-runner/test-support.js';
import { freePort } from '../helpers/net.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { spawnWard, REPO_ROOT, type WardProcess } from '../helpers/process.js';
import { POSTGRES, skipUnless } from '../helpers/requirement.js';
import { api, startTestServer, type TestServer } from '../helpers/server.js';
import { makeCa } from '../helpers/test-ca.js';
import { waitFor } from '../helpers/wait.js';

const APP_NS = 'apps';
const POLICY = `
path "secret/data/app/*" { capabilities = ["read"] }
path "database/creds/app" { capabilities = ["read"] }
`;

async function must(p: ReturnType<typeof api>, what: string): Promise<void> {
  const r = await p;
  if (r.status !== 200 && r.status !== 204) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
}

describe('injector end to end: webhook, mutated pod, secrets at runtime', { skip: skipUnless(POD_SANDBOX) || skipUnless(POSTGRES), timeout: 240_000 }, () => {
  const cleanups: Array<() => unknown> = [];
  let ward: TestServer;
  let tls: Listener;
  let db: TestPostgres;
  let kube: FakeKubeApiServer;
  let core: CoreV1Api;
  let injector: WardProcess;
  const pods: StoredPod[] = [];

  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ward-injector-e2e-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const injectorPort = await freePort();
    const ca = await makeCa('ward-e2e-ca', 'ec');
    [ward, db, kube] = await Promise.all([
      startTestServer(),
      startPostgres(),
      startFakeKubeApiServer({ serviceEndpoints: { 'ward/ward-agent-injector-svc': `https://127.0.0.1:${injectorPort}` } }),
    ]);
    cleanups.push(() => ward.close(), () => db.stop(), () => kube.close());

    // Ward behind TLS: the agents in the pod trust it through the ward-tls Secret's ca.crt.
    const cert = await ca.server('ward.test');
    writeFileSync(join(dir, 'tls.crt'), cert.certPem);
    writeFileSync(join(dir, 'tls.key'), cert.keyPem, { mode: 0o600 });
    tls = await startListener({ address: '127.0.0.1:0', tlsDisable: false, tlsCertFile: join(dir, 'tls.crt'), tlsKeyFile: join(dir, 'tls.key') }, createHandler(ward.core, { logger: silentLogger }));
    cleanups.push(() => tls.close());

    const T = ward.rootToken;
    await must(api(ward, 'POST', 'secret/data/app/config', { token: T, body: { data: { username: 'appuser', api_key: 'k-1' } } }), 'kv write');
    await must(api(ward, 'POST', 'sys/mounts/database', { token: T, body: { type: 'database' } }), 'database mount');
    await must(api(ward, 'POST', 'database/config/pg', {
      token: T,
      body: {
        plugin_name: 'postgresql-database-plugin',
        connection_url: `postgresql://{{username}}:{{password}}@127.0.0.1:${db.port}/postgres?sslmode=disable`,
        username: db.superuser,
        password: db.password,
        allowed_roles: 'app',
      },
    }), 'database config');
    await must(api(ward, 'POST', 'database/roles/app', {
      token: T,
      body: { db_name: 'pg', creation_statements: `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`, default_ttl: '1h', max_ttl: '2h' },
    }), 'database role');
    await must(api(ward, 'PUT', 'sys/policies/acl/app', { token: T, body: { policy: POLICY } }), 'policy');
    await must(api(ward, 'POST', 'sys/auth/kubernetes', { token: T, body: { type: 'kubernetes' } }), 'kubernetes auth');
    await must(api(ward, 'POST', 'auth/kubernetes/config', { token: T, body: { kubernetes_host: kube.url, kubernetes_ca_cert: kube.caPem, token_reviewer_jwt: kube.reviewerToken } }), 'kubernetes config');
    await must(api(ward, 'POST', 'auth/kubernetes/role/app', { token: T, body: { bound_service_account_names: 'app', bound_service_account_namespaces: APP_NS, token_policies: 'app', token_ttl: '1h' } }), 'kubernetes role');

    // The cluster: the operator applies the injector's manifests unchanged.
    const kc = kubeConfigFor(kube);
    core = kc.makeApiClient(CoreV1Api);
    for (const name of ['ward', APP_NS]) await core.createNamespace({ body: { metadata: { name } } });
    const objects = yaml.loadAll(readFileSync(join(REPO_ROOT, 'deploy/kubernetes/injector.yaml'), 'utf8')) as KubernetesObject[];
    const generic = KubernetesObjectApi.makeApiClient(kc);
    for (const o of objects) await generic.create(o);
    await core.createNamespacedServiceAccount({ namespace: APP_NS, body: { metadata: { name: 'app' } } });
    await core.createNamespacedSecret({ namespace: APP_NS, body: { metadata: { name: 'ward-tls' }, stringData: { 'ca.crt': ca.certPem } } });

    // The injector runs as the manifest's service account: RBAC is the manifest's.
    const saToken = await kube.issueToken({ namespace: 'ward', name: 'ward-agent-injector', pod: null });
    const kubeconfig = join(dir, 'injector.kubeconfig');
    writeFileSync(kubeconfig, kube.kubeconfig(saToken), { mode: 0o600 });
    const deployment = objects.find((o) => o.kind === 'Deployment') as { spec: { template: { spec: { containers: Array<{ args: string[] }> } } } };
    const args = deployment.spec.template.spec.containers[0]!.args.map((a) => {
      if (a.startsWith('-listen=')) return `-listen=127.0.0.1:${injectorPort}`;
      if (a.startsWith('-vault-address=')) return `-vault-address=${tls.url}`;
      return a;
    });
    injector = spawnWard([...args, '-native-sidecars=true'], '', { KUBECONFIG: kubeconfig, NAMESPACE: 'ward' });
    cleanups.push(() => injector.kill());
    // Ready once -tls-auto has issued the certificate and put the CA in the webhook configuration.
    await waitFor(
      'the injector to publish its caBundle',
      async () => {
        if (injector.child.exitCode !== null) throw new Error(`the injector exited: ${injector.stderr()}`);
        const cfg = kube.object('admissionregistration.k8s.io/v1', 'MutatingWebhookConfiguration', undefined, 'ward-agent-injector-cfg') as { webhooks?: Array<{ clientConfig?: { caBundle?: string } }> } | undefined;
        return (cfg?.webhooks?.[0]?.clientConfig?.caBundle ?? '') !== '' && /listening on/.test(injector.stderr());
      },
      { timeoutMs: 60_000, context: () => injector.stderr() },
    );
  });

  after(async () => {
    await Promise.all(pods.map((p) => p.stop()));
    for (const c of cleanups.reverse()) await c();
  });

  const annotated = (name: string, annotations: Record<string, string>): V1Pod => ({
    metadata: { name, annotations: Object.fromEntries(Object.entries(annotations).map(([k, v]) => [`vault.hashicorp.com/${k}`, v])) },
    spec: {
      serviceAccountName: 'app',
      // Ends on SIGTERM, as an app should: the agent is stopped after it (native sidecar).
      containers: [{ name: 'app', image: 'busybox', command: ['sh', '-c', "trap 'exit 0' TERM; while true; do sleep 1; done"] }],
    },
  });

  const BASE = {
    'agent-inject': 'true',
    role: 'app',
    'tls-secret': 'ward-tls',
    'ca-cert': '/vault/tls/ca.crt',
  };

  test('a KV secret and database credentials are rendered, re-rendered after a change, and revoked on shutdown', async () => {
    const created = await core.createNamespacedPod({
      namespace: APP_NS,
      body: annotated('web', {
        ...BASE,
        'agent-inject-secret-config': 'secret/data/app/config',
        'agent-inject-template-config': '{{- with secret "secret/data/app/config" -}}user={{ .Data.data.username }} key={{ .Data.data.api_key }}{{- end -}}',
        'agent-inject-secret-db': 'database/creds/app',
        'agent-inject-template-db': '{{- with secret "database/creds/app" -}}{{ .Data.username }}:{{ .Data.password }}{{- end -}}',
        'template-static-secret-render-interval': '1s',
        'agent-revoke-on-shutdown': 'true',
        'agent-revoke-grace': '1',
      }),
    });
    const names = [...(created.spec?.initContainers ?? []), ...(created.spec?.containers ?? [])].map((c) => c.name);
    assert.ok(names.includes('vault-agent'), `the webhook injected the agent: ${names.join(', ')}`);
    assert.equal(created.metadata?.annotations?.['vault.hashicorp.com/agent-inject-status'], 'injected');
    assert.doesNotMatch(JSON.stringify(created), /k-1|appuser/, 'no secret value in the pod spec');

    const pod = await runStoredPod(kube, APP_NS, 'web', { maxGraceSeconds: 10 });
    pods.push(pod);
    const cat = async (file: string): Promise<string | undefined> => {
      const r = await pod.exec('app', ['cat', `/vault/secrets/${file}`]).catch(() => undefined);
      return r !== undefined && r.exitCode === 0 && r.stdout !== '' ? r.stdout : undefined;
    };
    const agentLogs = (): string => names.map((n) => `--- ${n}\n${pod.logs(n)}`).join('\n');
    assert.equal(await waitFor('the config file', () => cat('config'), { timeoutMs: 60_000, context: agentLogs }), 'user=appuser key=k-1');
    const creds = await waitFor('the database credentials', () => cat('db'), { timeoutMs: 30_000, context: agentLogs });
    const [user, password] = creds.split(':');
    const login = async (): Promise<boolean> => {
      const c = new pg.Client({ host: '127.0.0.1', port: db.port, user, password, database: 'postgres' });
      try {
        await c.connect();
        return true;
      } catch {
        return false;
      } finally {
        await c.end().catch(() => undefined);
      }
    };
    assert.equal(await login(), true, 'the rendered credentials log in to PostgreSQL');

    await must(api(ward, 'POST', 'secret/data/app/config', { token: ward.rootToken, body: { data: { username: 'appuser', api_key: 'k-2' } } }), 'kv update');
    await waitFor('the re-rendered config', async () => ((await cat('config')) === 'user=appuser key=k-2' ? true : undefined), { timeoutMs: 30_000, context: agentLogs });

    const token = (await pod.exec('vault-agent', ['cat', '/home/vault/.vault-token'])).stdout.trim();
    assert.equal((await api(ward, 'GET', 'auth/token/lookup-self', { token })).status, 200);
    assert.doesNotMatch(agentLogs(), new RegExp(`${token}|k-1|k-2|${password}`), 'no token, secret or password in the agent logs');
    await pod.stop();
    assert.equal((await api(ward, 'GET', 'auth/token/lookup-self', { token })).status, 403, `the agent revoked its token on shutdown\n${agentLogs()}`);
    await waitFor('the database credentials to be revoked with the token', async () => ((await login()) ? undefined : true), { timeoutMs: 30_000 });
  });

  test('a pod with a malformed annotation is refused with a message naming it', async () => {
    const refused = await failure(core.createNamespacedPod({ namespace: APP_NS, body: annotated('broken', { ...BASE, 'agent-inject-secret-x': 'secret/data/app/config', 'agent-limits-mem': '-1Gi' }) }));
    assert.equal(refused.code, 400);
    assert.match(refused.status.message ?? '', /admission webhook "vault\.hashicorp\.com" denied the request: .*agent-limits-mem.*-1Gi/);
    await assert.rejects(core.readNamespacedPod({ namespace: APP_NS, name: 'broken' }));
  });
});
