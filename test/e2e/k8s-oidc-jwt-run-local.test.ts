/**
 * examples/k8s-oidc-jwt/run-local.sh: the OIDC-discovery variant on one machine. The fake API
 * server runs with --self-issuer (its issuer is its URL, so Ward can fetch the discovery
 * document from it); the script configures auth/jwt, runs pod.sh with a pod-bound token, shows
 * a refusal for a token of another audience and leaves nothing running.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort, isListening as listening } from '../helpers/net.js';
import { REPO_ROOT } from '../helpers/process.js';
import { runProgram } from './pattern-harness.js';

const SCRIPT = join(REPO_ROOT, 'examples', 'k8s-oidc-jwt', 'run-local.sh');

test('examples/k8s-oidc-jwt/run-local.sh logs a pod in through OIDC discovery against the fake cluster and cleans up', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'ward-oidc-local-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const kubePort = await freePort();
  let wardPort = await freePort();
  while (wardPort === kubePort) wardPort = await freePort();
  const r = await runProgram('bash', [SCRIPT], { KUBE_PORT: String(kubePort), WARD_PORT: String(wardPort), HOME: home, VAULT_TOKEN: '', VAULT_ADDR: '' });
  assert.equal(r.code, 0, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  assert.equal(r.stderr, '', 'a clean run prints nothing on stderr');
  assert.match(r.stdout, new RegExp(`service-account issuer https://127\\.0\\.0\\.1:${kubePort}\\n`));
  assert.match(r.stdout, /pod: logged in through auth\/jwt \(service-account token, OIDC discovery\); secret\/app\/db is for user app\n/);
  assert.match(r.stdout, /== 6\. [^\n]*\ninvalid audience \(aud\) claim: audience claim does not match any expected audience\n/);
  assert.doesNotMatch(r.stdout + r.stderr, /s3cret/);
  assert.equal(await listening(kubePort), false, 'the fake API server is stopped');
  assert.equal(await listening(wardPort), false, 'the dev server is stopped');
});
