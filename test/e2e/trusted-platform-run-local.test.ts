/**
 * examples/01-trusted-platform/run-local.sh, the way to run pattern 1 on a laptop: it starts
 * the fake Kubernetes API server and a dev Ward itself, walks the README's steps, runs pod.sh,
 * shows a refusal, and leaves nothing running (both ports closed afterwards).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort, isListening as listening } from '../helpers/net.js';
import { REPO_ROOT } from '../helpers/process.js';
import { runProgram } from './pattern-harness.js';

const SCRIPT = join(REPO_ROOT, 'examples', '01-trusted-platform', 'run-local.sh');

test('examples/01-trusted-platform/run-local.sh runs pattern 1 against the fake cluster and cleans up', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'ward-run-local-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const kubePort = await freePort();
  let wardPort = await freePort();
  while (wardPort === kubePort) wardPort = await freePort();
  const r = await runProgram('bash', [SCRIPT], { KUBE_PORT: String(kubePort), WARD_PORT: String(wardPort), HOME: home, VAULT_TOKEN: '', VAULT_ADDR: '' });
  assert.equal(r.code, 0, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  assert.equal(r.stderr, '', 'a clean run prints nothing on stderr (no error from waiting on a log not yet created)');
  assert.match(r.stdout, /== 2\. The cluster: fake Kubernetes API server/);
  assert.match(r.stdout, /pod: logged in through Kubernetes auth; secret\/app\/db is for user app\n/);
  assert.match(r.stdout, /== 6\. What a refusal looks like[^\n]*\npermission denied\n/);
  assert.doesNotMatch(r.stdout + r.stderr, /s3cret/, 'the secret value is never printed');
  assert.equal(await listening(kubePort), false, 'the fake API server is stopped');
  assert.equal(await listening(wardPort), false, 'the dev server is stopped');
});
