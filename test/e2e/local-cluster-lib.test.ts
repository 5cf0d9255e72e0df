/**
 * examples/lib/local-cluster.sh, the helpers the run-local scripts share. The fake's admin
 * token is random base64url: one in 64 starts with '-', which YAML quotes, and reading the
 * kubeconfig line as-is then sent the quotes as part of the bearer token (a 401 in CI).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../helpers/process.js';
import { kubeconfigYaml } from '../fakes/kube-apiserver/kubeconfig.js';

test('kubeconfig_field reads the token and CA of a kubeconfig, whatever quoting YAML chose', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ward-local-lib-'));
  try {
    for (const token of ['-starts-with-dash_x', 'plain_Token-1', '0123456789', 'true']) {
      const file = join(dir, 'kubeconfig');
      writeFileSync(file, kubeconfigYaml({ server: 'https://127.0.0.1:1', caPem: 'CA PEM', token }));
      const read = (key: string): string =>
        execFileSync('bash', ['-c', `repo=${JSON.stringify(REPO_ROOT)}; source "$repo/examples/lib/local-cluster.sh"; kubeconfig_field ${key} ${JSON.stringify(file)}`], { encoding: 'utf8' });
      assert.equal(read('token'), `${token}\n`, token);
      assert.equal(Buffer.from(read('certificate-authority-data').trim(), 'base64').toString(), 'CA PEM');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
