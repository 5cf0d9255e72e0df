import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from './testing.js';

test('k8s bootstrap: bad flags are a usage error naming the flag, before anything is contacted', async () => {
  const env = { HOME: '/nonexistent' } as NodeJS.ProcessEnv;
  const none = await runCli(['k8s', 'bootstrap'], env);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /^missing -address \(the Ward pods' addresses\) or -pod-selector/);
  assert.match(none.stderr, /-bootstrap-pgp-key/, 'the help follows');
  const shares = await runCli(['k8s', 'bootstrap', '-address=https://ward-0:8200', '-pgp-keys=a.asc,b.asc', '-key-shares=3', '-bootstrap-pgp-key=k.asc'], env);
  assert.equal(shares.code, 1);
  assert.match(shares.stderr, /^-key-shares is 3 but 2 -pgp-keys were given/);
  // The chart's Job sets VAULT_ADDR: it stands in for -address (and is checked like it).
  const fromEnv = await runCli(['k8s', 'bootstrap', '-pgp-keys=a.asc', '-bootstrap-pgp-key=k.asc'], { ...env, VAULT_ADDR: 'ward-0:8200' });
  assert.equal(fromEnv.code, 1);
  assert.match(fromEnv.stderr, /^-address: "ward-0:8200" must be http:\/\/ or https:\/\//);
});
