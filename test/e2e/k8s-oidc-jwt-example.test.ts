/**
 * examples/k8s-oidc-jwt: Kubernetes service-account tokens verified through the cluster's
 * OIDC discovery (auth/jwt), with no TokenReview. The operator commands of the README run
 * through the real CLI against the fake API server (its issuer is its own URL, as a cluster
 * with a public issuer); the token comes from a TokenRequest bound to a running pod, as the
 * kubelet's projected volume gets it; pod.sh logs in and reads. A token for another audience,
 * an expired one and one of another namespace are refused with Vault's messages.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CoreV1Api } from '@kubernetes/client-node';
import { spawnWard } from '../../src/cli/testing.js';
import { startFakeKubeApiServer } from '../fakes/kube-apiserver/index.js';
import { kubeConfigFor } from '../fakes/kube-apiserver/test-client.js';
import { REPO_ROOT } from '../helpers/process.js';
import { api, startTestServer } from '../helpers/server.js';
import { ok, runProgram } from './pattern-harness.js';

const EXAMPLE = join(REPO_ROOT, 'examples', 'k8s-oidc-jwt');

test('examples/k8s-oidc-jwt: a pod-bound service-account token logs in through OIDC discovery and reads its secret', async (t) => {
  const [server, kube] = await Promise.all([startTestServer(), startFakeKubeApiServer({ selfIssuer: true })]);
  t.after(() => Promise.all([server.close(), kube.close()]));
  const dir = mkdtempSync(join(tmpdir(), 'ward-k8s-jwt-'));
  const file = (name: string, text: string): string => {
    const p = join(dir, name);
    writeFileSync(p, text, { mode: 0o600 });
    return p;
  };
  const env = { VAULT_ADDR: server.url, VAULT_TOKEN: server.rootToken, HOME: dir };
  const root = (...argv: string[]) => spawnWard(argv, env);

  // Operator, as in the README: the issuer URL and its CA, nothing else from the cluster.
  await ok(root('auth', 'enable', 'jwt'));
  await ok(root('write', 'auth/jwt/config', `oidc_discovery_url=${kube.issuer}`, `oidc_discovery_ca_pem=@${file('ca.crt', kube.caPem)}`, `bound_issuer=${kube.issuer}`));
  await ok(root('policy', 'write', 'app', join(EXAMPLE, 'policy-app.hcl')));
  await ok(spawnWard(['write', 'auth/jwt/role/app', '-'], env, readFileSync(join(EXAMPLE, 'role-app.json'), 'utf8')));
  await ok(root('kv', 'put', 'secret/app/db', 'username=app', 'password=s3cret'));

  // The cluster: a pod of service account prod/app, and the token its projected volume would hold.
  const core = kubeConfigFor(kube).makeApiClient(CoreV1Api);
  const podToken = async (ns: string, sa: string, audiences: string[]): Promise<string> => {
    await core.createNamespace({ body: { metadata: { name: ns } } }).catch(() => undefined);
    await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: sa } } }).catch(() => undefined);
    const pod = await core.createNamespacedPod({ namespace: ns, body: { metadata: { generateName: `${sa}-` }, spec: { serviceAccountName: sa, containers: [{ name: 'app', image: 'app:1' }] } } });
    const tr = await core.createNamespacedServiceAccountToken({
      namespace: ns, name: sa,
      body: { spec: { audiences, expirationSeconds: 600, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: pod.metadata!.name!, uid: pod.metadata!.uid! } } },
    });
    return tr.status!.token;
  };
  const pod = (token: string) => runProgram('bash', [join(EXAMPLE, 'pod.sh')], { VAULT_ADDR: server.url, SA_TOKEN: file(`token-${Math.random()}`, token), HOME: dir });

  const r = await pod(await podToken('prod', 'app', ['ward']));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'pod: logged in through auth/jwt (service-account token, OIDC discovery); secret/app/db is for user app\n');
  assert.equal(kube.reviews.length, 0, 'no TokenReview: Ward verified the token with the published keys');

  // The login's metadata names the pod, from the token's claims.
  const login = await api(server, 'POST', 'auth/jwt/login', { body: { role: 'app', jwt: await podToken('prod', 'app', ['ward']) } });
  assert.equal(login.status, 200, JSON.stringify(login.body));
  assert.equal(login.body.auth.metadata.namespace, 'prod');
  assert.equal(login.body.auth.metadata.service_account, 'app');
  assert.match(login.body.auth.metadata.pod, /^app-/);

  const refused: [string, string, RegExp][] = [
    ['another audience', await podToken('prod', 'app', ['someone-else']), /invalid audience \(aud\) claim: audience claim does not match any expected audience/],
    ['expired', await kube.issueToken({ namespace: 'prod', name: 'app', audiences: ['ward'], expiresIn: -120 }), /invalid expiration time \(exp\) claim: token is expired/],
    ['another namespace', await podToken('dev', 'app', ['ward']), /error validating token: invalid subject \(sub\) claim/],
    ['forged', await kube.forgeToken({ namespace: 'prod', name: 'app', audiences: ['ward'] }), /failed to verify id token signature|signature/],
  ];
  for (const [what, token, message] of refused) {
    const bad = await pod(token);
    assert.notEqual(bad.code, 0, what);
    assert.match(bad.stderr, message, what);
    assert.match(bad.stderr, /Code: 400|Code: 403/, what);
  }
});
