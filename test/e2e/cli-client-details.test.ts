/**
 * The details a user with vault habits trips on in the CLI, each checked against a real
 * dev server over loopback: output shapes scripts parse and the error texts they grep.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer } from '../helpers/server.js';
import { runCli } from '../../src/cli/testing.js';
import { envelope, startFakeServer } from '../../src/api/fake-server.js';

test('CLI details vault users rely on', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const home = mkdtempSync(join(tmpdir(), 'ward-cli-details-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const env = { VAULT_ADDR: server.url, VAULT_TOKEN: server.rootToken, HOME: home };
  const ward = (args: string[], extra: NodeJS.ProcessEnv = {}) => runCli(args, { ...env, ...extra });
  assert.equal((await ward(['kv', 'put', 'secret/app', 'user=alice', 'n=1'])).code, 0);
  assert.equal((await ward(['kv', 'put', 'secret/dir/x', 'a=b'])).code, 0);

  await t.test('list -format=json and kv list -format=json print the bare array of keys', async () => {
    for (const args of [['list', '-format=json', 'secret/metadata'], ['kv', 'list', '-format=json', 'secret']]) {
      const r = await ward(args);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), ['app', 'dir/'], args.join(' '));
    }
  });

  await t.test('policy list -format=json prints the bare array of names', async () => {
    const r = await ward(['policy', 'list', '-format=json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), ['default', 'root']);
  });

  await t.test('kv get -field=data prints the data map', async () => {
    const table = await ward(['kv', 'get', '-field=data', 'secret/app']);
    assert.equal(table.code, 0, table.stderr);
    assert.equal(table.stdout, 'map[n:1 user:alice]');
    const json = await ward(['kv', 'get', '-format=json', '-field=data', 'secret/app']);
    assert.deepEqual(JSON.parse(json.stdout), { n: '1', user: 'alice' });
  });

  await t.test('read sys/health prints the body', async () => {
    const r = await ward(['read', 'sys/health']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^initialized\s+true$/m);
    assert.match(r.stdout, /^sealed\s+false$/m);
    const j = await ward(['read', '-format=json', 'sys/health']);
    assert.equal((JSON.parse(j.stdout) as { initialized: boolean }).initialized, true);
  });

  await t.test("errors are vault's multi-line 'Error making API request.' block", async () => {
    const r = await ward(['write', 'secret/data/app', 'foo=1']);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, `Error writing data to secret/data/app: Error making API request.\n\nURL: PUT ${server.url}/v1/secret/data/app\nCode: 400. Errors:\n\n* no data provided\n`);
  });

  await t.test('an invalid token says "invalid token" on every command', async () => {
    for (const args of [['kv', 'get', 'secret/app'], ['read', 'secret/data/app'], ['kv', 'list', 'secret'], ['token', 'lookup']]) {
      const r = await ward(args, { VAULT_TOKEN: 'hvs.not-a-real-token' });
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, /^\* invalid token$/m, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /Code: 403/);
    }
  });

  await t.test("flags after positional arguments get vault's hint; usage errors print one usage line", async () => {
    const r = await ward(['kv', 'get', 'secret/app', '-format=json']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'Command flags must be provided before positional arguments. The following arguments will not be parsed as flags: [-format=json]\nIncorrect number of arguments (expected 1, got 2): kv get [options] KEY\n\nUsage: ward kv get [options] KEY\n');
    const bad = await ward(['write', 'secret/data/x', '@/nonexistent/file.json']);
    assert.equal(bad.code, 1);
    assert.doesNotMatch(bad.stderr, /Global Options/);
    assert.match(bad.stderr, /\n\nUsage: ward write \[options\] PATH \[DATA K=V\.\.\.\]\n$/);
  });

  await t.test('-output-curl-string and -output-policy print the request instead of sending it', async () => {
    const curl = await ward(['kv', 'put', '-output-curl-string', 'secret/app', "q=it's"]);
    assert.equal(curl.code, 0, curl.stderr);
    assert.equal(curl.stdout, `curl -X PUT -H "X-Vault-Request: true" -H "X-Vault-Token: $(ward print token)" -H "Content-Type: application/json" -d '{"data":{"q":"it'"'"'s"}}' ${server.url}/v1/secret/data/app\n`);
    assert.equal((await ward(['kv', 'get', '-field=q', 'secret/app'])).stdout, '', 'nothing was written');
    const policy = await ward(['kv', 'get', '-output-policy', 'secret/app']);
    assert.equal(policy.code, 0, policy.stderr);
    assert.equal(policy.stdout, 'path "secret/data/app" {\n  capabilities = ["read"]\n}\n');
    const listPolicy = await ward(['list', '-output-policy', 'secret/metadata']);
    assert.equal(listPolicy.stdout, 'path "secret/metadata" {\n  capabilities = ["list"]\n}\n');
    const writePolicy = await ward(['write', '-output-policy', 'sys/policies/acl/x', 'policy=']);
    assert.equal(writePolicy.stdout, 'path "sys/policies/acl/x" {\n  capabilities = ["create", "update"]\n}\n');
  });

  await t.test('durations (ttl, *_ttl, period, *_period) print as vault prints them in tables', async () => {
    assert.equal((await ward(['write', 'auth/token/roles/r', 'token_period=1h', 'token_explicit_max_ttl=90'])).code, 0);
    const r = await ward(['read', 'auth/token/roles/r']);
    assert.match(r.stdout, /^token_period\s+1h$/m, r.stdout);
    assert.match(r.stdout, /^token_explicit_max_ttl\s+1m30s$/m);
    assert.match(r.stdout, /^token_ttl\s+0s$/m);
    assert.equal((await ward(['read', '-field=token_period', 'auth/token/roles/r'])).stdout, '3600', '-field stays raw');
    const tune = await ward(['read', 'sys/mounts/secret/tune']);
    assert.match(tune.stdout, /^default_lease_ttl\s+768h$/m, tune.stdout);
  });

  await t.test('path-help prints the help text of a path', async () => {
    const r = await ward(['path-help', 'secret/data/app']);
    assert.equal(r.code, 0, r.stderr);
    // vault path-help's layout: the route, the synopsis, each field with its type.
    assert.match(r.stdout, /^Request: +data\/app$/m);
    assert.match(r.stdout, /^Write, patch, read and delete versions of a secret\.$/m);
    assert.match(r.stdout, /^## PARAMETERS\n\n {4}data \(map\)\n/m);
    assert.match(r.stdout, /^ {4}options \(map\)\n\n {8}Write options/m);
    const none = await ward(['path-help', 'nomount/x']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /^Error retrieving help: Error making API request\./);
  });

  await t.test('a missing mount says so', async () => {
    const r = await ward(['kv', 'get', 'nomount/app']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^\* no secrets engine is mounted at "nomount\/app\/" or above it among the mounts this token can see$/m, r.stderr);
  });
});

test('the first hour: not initialized, TLS against plain HTTP, an address without a scheme', async (t) => {
  const server = await startTestServer({ dev: false });
  t.after(() => server.close());
  const home = mkdtempSync(join(tmpdir(), 'ward-cli-first-hour-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const hostPort = server.url.replace(/^http:\/\//, '');

  const fresh = await runCli(['kv', 'get', 'secret/app'], { VAULT_ADDR: server.url, VAULT_TOKEN: 'x', HOME: home });
  assert.equal(fresh.code, 2);
  assert.match(fresh.stderr, /is not initialized; run "ward operator init"/, fresh.stderr);
  assert.doesNotMatch(fresh.stderr, /ward operator unseal/);

  // VAULT_ADDR unset: the default is https, the server speaks HTTP. -address stands in for
  // the default's port (tests cannot own 8200); the hint must still name VAULT_ADDR.
  const tls = await runCli(['kv', 'get', `-address=https://${hostPort}`, 'secret/app'], { VAULT_TOKEN: 'x', HOME: home });
  assert.equal(tls.code, 2);
  assert.match(tls.stderr, new RegExp(`speaks plain HTTP.*VAULT_ADDR=http://${hostPort.replace(/\./g, '\\.')}`, 's'), tls.stderr);

  // `status` is the first command a new user runs: it gives the same hint (exit 1, as vault status errors).
  const status = await runCli(['status', `-address=https://${hostPort}`], { HOME: home });
  assert.equal(status.code, 1);
  assert.match(status.stderr, /^Error checking seal status: /);
  assert.match(status.stderr, new RegExp(`speaks plain HTTP.*VAULT_ADDR=http://${hostPort.replace(/\./g, '\\.')}`, 's'), status.stderr);

  const noScheme = await runCli(['kv', 'get', 'secret/app'], { VAULT_ADDR: hostPort, VAULT_TOKEN: 'x', HOME: home });
  assert.equal(noScheme.code, 1);
  assert.equal(noScheme.stderr, `Error: VAULT_ADDR="${hostPort}" has no scheme: use "http://${hostPort}" for a plain-HTTP listener or "https://${hostPort}" for TLS\n`);
});

test('-header adds request headers and -policy-override sends X-Vault-Policy-Override', async (t) => {
  const fake = await startFakeServer(() => ({ status: 200, body: envelope({ ok: true }) }));
  t.after(() => fake.close());
  const r = await runCli(['read', '-header=X-Team=blue', '-header', 'X-Trace=7', '-policy-override', 'secret/x'], { VAULT_ADDR: fake.url, VAULT_TOKEN: 't', HOME: '/nonexistent' });
  assert.equal(r.code, 0, r.stderr);
  const h = fake.requests[0]?.headers ?? {};
  assert.deepEqual([h['x-team'], h['x-trace'], h['x-vault-policy-override']], ['blue', '7', 'true']);
});
