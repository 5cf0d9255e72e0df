/**
 * The runner's purpose, end to end without the webhook: a pod shaped like one vault-k8s
 * injects (an agent init container and a native sidecar in the Ward image, running
 * `vault agent` from VAULT_CONFIG as uid 100 with a read-only root, memory emptyDirs at
 * /home/vault and /vault/secrets, the automatic service-account token) is created in the fake
 * cluster, run, and the app reads the secret the agent rendered after logging in to a real
 * Ward server through Kubernetes auth (TokenReview against the same fake).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CoreV1Api, type V1Container } from '@kubernetes/client-node';
import { skipUnless } from '../../helpers/requirement.js';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';
import { waitFor } from '../../helpers/wait.js';
import { startFakeKubeApiServer, type FakeKubeApiServer } from '../kube-apiserver/index.js';
import { kubeConfigFor } from '../kube-apiserver/test-client.js';
import { runStoredPod, type StoredPod } from './stored-pod.js';
import { POD_SANDBOX } from './test-support.js';

describe('pod runner: an injector-shaped pod gets its secret from Ward', { skip: skipUnless(POD_SANDBOX), timeout: 90_000 }, () => {
  let s: TestServer;
  let k: FakeKubeApiServer;
  let core: CoreV1Api;
  const pods: StoredPod[] = [];
  before(async () => {
    [s, k] = await Promise.all([startTestServer(), startFakeKubeApiServer()]);
    const T = s.rootToken;
    const must = async (p: ReturnType<typeof api>) => assert.ok([200, 204].includes((await p).status));
    await must(api(s, 'POST', 'sys/auth/kubernetes', { token: T, body: { type: 'kubernetes' } }));
    await must(api(s, 'POST', 'auth/kubernetes/config', { token: T, body: { kubernetes_host: k.url, kubernetes_ca_cert: k.caPem, token_reviewer_jwt: k.reviewerToken } }));
    await must(api(s, 'PUT', 'sys/policies/acl/app', { token: T, body: { policy: 'path "secret/data/app/*" { capabilities = ["read"] }' } }));
    await must(api(s, 'POST', 'auth/kubernetes/role/app', { token: T, body: { bound_service_account_names: 'web', bound_service_account_namespaces: 'prod', token_policies: 'app', token_ttl: '1h' } }));
    await must(api(s, 'POST', 'secret/data/app/db', { token: T, body: { data: { password: 's3cret' } } }));
    core = kubeConfigFor(k).makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: 'prod' } } });
    await core.createNamespacedServiceAccount({ namespace: 'prod', body: { metadata: { name: 'web' } } });
  });
  after(async () => {
    await Promise.all(pods.map((p) => p.stop()));
    await Promise.all([s?.close(), k?.close()]);
  });

  const agentConfig = (exitAfterAuth: boolean) => Buffer.from(JSON.stringify({
    auto_auth: {
      method: { type: 'kubernetes', mount_path: 'auth/kubernetes', config: { role: 'app', token_path: '/var/run/secrets/kubernetes.io/serviceaccount/token' } },
      sink: [{ type: 'file', config: { path: '/home/vault/.vault-token' } }],
    },
    exit_after_auth: exitAfterAuth,
    pid_file: '/home/vault/.pid',
    vault: { address: s.url },
    template: [{ destination: '/vault/secrets/db', contents: 'DB_PASSWORD={{ with secret "secret/data/app/db" }}{{ .Data.data.password }}{{ end }}', left_delimiter: '{{', right_delimiter: '}}' }],
  })).toString('base64');

  const agent = (name: string, home: string, exitAfterAuth: boolean): V1Container => ({
    name,
    image: 'hashicorp/vault:1.15.2',
    command: ['/bin/sh', '-ec'],
    // vault-k8s's command, except that the sidecar execs the agent: with `&& vault agent` the
    // shell stays PID 1, which ignores SIGTERM (no handler), so the agent would only go at
    // SIGKILL when the grace period ends.
    args: [`echo \${VAULT_CONFIG?} | base64 -d > /home/vault/config.json && ${exitAfterAuth ? '' : 'exec '}vault agent -config=/home/vault/config.json`],
    env: [
      { name: 'NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      { name: 'HOST_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
      { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'VAULT_CONFIG', value: agentConfig(exitAfterAuth) },
    ],
    securityContext: { runAsUser: 100, runAsGroup: 1000, runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
    volumeMounts: [{ name: home, mountPath: '/home/vault' }, { name: 'vault-secrets', mountPath: '/vault/secrets' }],
  });

  test('the init agent renders before the app starts; the native sidecar keeps running and is stopped after a Job-style app', async () => {
    await core.createNamespacedPod({
      namespace: 'prod',
      body: {
        metadata: { name: 'job', annotations: { 'vault.hashicorp.com/agent-inject-status': 'injected' } },
        spec: {
          serviceAccountName: 'web',
          restartPolicy: 'Never',
          volumes: [{ name: 'home-init', emptyDir: { medium: 'Memory' } }, { name: 'home-sidecar', emptyDir: { medium: 'Memory' } }, { name: 'vault-secrets', emptyDir: { medium: 'Memory' } }],
          initContainers: [
            agent('vault-agent-init', 'home-init', true),
            // The startup probe matters: without it the app can finish while the agent (PID 1)
            // is still loading, before it handles SIGTERM, and it would only go at SIGKILL.
            { ...agent('vault-agent', 'home-sidecar', false), restartPolicy: 'Always', startupProbe: { exec: { command: ['test', '-s', '/home/vault/.vault-token'] }, periodSeconds: 1, failureThreshold: 30 } },
          ],
          containers: [{ name: 'app', image: 'busybox', command: ['sh', '-c', 'cat /vault/secrets/db; echo; ls -a /vault/secrets'], volumeMounts: [{ name: 'vault-secrets', mountPath: '/vault/secrets' }] }],
        },
      },
    });
    const p = await runStoredPod(k, 'prod', 'job', { maxGraceSeconds: 10 });
    pods.push(p);
    const st = await p.done;
    assert.equal(p.logs('app'), 'DB_PASSWORD=s3cret\n.\n..\ndb\n', p.logs('vault-agent-init'));
    assert.equal(st.phase, 'Succeeded');
    assert.equal(st.initContainerStatuses[0]?.state.terminated?.exitCode, 0);
    assert.equal(st.initContainerStatuses[1]?.state.terminated?.exitCode, 0, `the sidecar was stopped after the app\n${p.logs('vault-agent')}`);
    assert.doesNotMatch(p.logs('vault-agent-init') + p.logs('vault-agent'), /hvs\.|s3cret/, 'no token or secret in the agent logs');
    await waitFor('status in the cluster', async () => (await core.readNamespacedPodStatus({ namespace: 'prod', name: 'job' })).status?.phase === 'Succeeded');
  });
});
