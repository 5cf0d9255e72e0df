/**
 * Secure introduction, pattern 1 (trusted platform): the operator's commands from
 * examples/01-trusted-platform/README.md through the real CLI, service-account tokens from
 * the fake Kubernetes API server, and the example's pod.sh as the pod.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnWard } from '../../src/cli/testing.js';
import { startFakeKubeApiServer } from '../fakes/kube-apiserver/index.js';
import { ok, runProgram } from './pattern-harness.js';
import { REPO_ROOT } from '../helpers/process.js';
import { startTestServer } from '../helpers/server.js';

const EXAMPLE = join(REPO_ROOT, 'examples', '01-trusted-platform');

test('pattern 1: a pod logs in with its service-account token and reads only its app\'s secrets', async (t) => {
  const [server, kube] = await Promise.all([startTestServer(), startFakeKubeApiServer({ namespaces: { prod: {}, dev: {} } })]);
  t.after(() => Promise.all([server.close(), kube.close()]));
  const dir = mkdtempSync(join(tmpdir(), 'ward-p1-'));
  const file = (name: string, text: string): string => {
    const p = join(dir, name);
    writeFileSync(p, text, { mode: 0o600 });
    return p;
  };
  const env = (token: string) => ({ VAULT_ADDR: server.url, VAULT_TOKEN: token, HOME: dir });
  const as = (token: string) => (...argv: string[]) => spawnWard(argv, env(token));
  const root = as(server.rootToken);

  // Operator, as in the README.
  await ok(root('auth', 'enable', 'kubernetes'));
  await ok(root('write', 'auth/kubernetes/config', `kubernetes_host=${kube.url}`,
    `kubernetes_ca_cert=@${file('ca.crt', kube.caPem)}`, `token_reviewer_jwt=@${file('reviewer.jwt', kube.reviewerToken)}`));
  await ok(root('policy', 'write', 'app', join(EXAMPLE, 'policy-app.hcl')));
  await ok(root('write', 'auth/kubernetes/role/app', 'bound_service_account_names=app', 'bound_service_account_namespaces=prod',
    'audience=ward', 'token_policies=app', 'token_ttl=1h'));
  await ok(root('kv', 'put', 'secret/app/db', 'username=app', 'password=s3cret'));
  await ok(root('kv', 'put', 'secret/billing/db', 'username=billing', 'password=other'));

  const saToken = (name: string, o: { namespace?: string; audiences?: string[] } = {}) =>
    kube.issueToken({ namespace: o.namespace ?? 'prod', name, audiences: o.audiences ?? ['ward'] });
  const login = async (jwt: string) => root('login', '-method=kubernetes', '-token-only', 'role=app', `jwt=@${file(`jwt-${Math.random()}`, jwt)}`);

  await t.test('pod.sh logs in with the projected token and reads secret/app/db', async () => {
    const r = await runProgram('bash', [join(EXAMPLE, 'pod.sh')], { VAULT_ADDR: server.url, HOME: dir, SA_TOKEN: file('pod-token', await saToken('app')) });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'pod: logged in through Kubernetes auth; secret/app/db is for user app\n');
    assert.equal(kube.reviews.at(-1)?.status, 201, 'Ward asked the API server to review the token');
  });

  await t.test('the pod token reads its app path, not another app\'s, and cannot write', async () => {
    const r = await login(await saToken('app'));
    assert.equal(r.code, 0, r.stderr);
    const pod = as(r.stdout.trim());
    assert.equal(await ok(pod('kv', 'get', '-field=password', 'secret/app/db')), 's3cret');
    assert.match(await ok(pod('read', '-format=json', 'secret/data/app/db')), /"username": "app"/);
    for (const denied of [pod('kv', 'get', 'secret/billing/db'), pod('kv', 'put', 'secret/app/db', 'password=x'), pod('write', 'secret/data/app/other', 'data=x')]) {
      const d = await denied;
      assert.equal(d.code, 2, d.stdout);
      assert.match(d.stderr, /permission denied/);
    }
    assert.equal(await ok(root('kv', 'get', '-field=password', 'secret/app/db')), 's3cret', 'nothing was overwritten');
  });

  await t.test('tokens for another namespace, service account or audience are refused', async () => {
    const cases: [string, Promise<string>, RegExp][] = [
      ['namespace dev', saToken('app', { namespace: 'dev' }), /namespace not authorized/],
      ['service account billing', saToken('billing'), /service account name not authorized/],
      ['audience kube', saToken('app', { audiences: ['https://kubernetes.default.svc'] }), /invalid audience/],
      ['forged signature', kube.forgeToken({ namespace: 'prod', name: 'app', audiences: ['ward'] }), /permission denied|not authenticated|invalid/],
    ];
    for (const [what, jwt, msg] of cases) {
      const r = await login(await jwt);
      assert.equal(r.code, 2, `${what}: ${r.stdout}`);
      assert.match(r.stderr, /^Error authenticating: /, what);
      assert.match(r.stderr, msg, what);
      assert.equal(r.stdout, '', `${what}: no token printed`);
    }
  });
});
