/**
 * Secure introduction, pattern 5 (batch broker): `ward broker` run through the real CLI
 * against a real server with examples/05-batch-broker/inventory.json, delivering to a
 * directory and to an HTTP orchestrator (a tiny node:http server), re-run safely, and
 * followed by the device start-up of pattern 2's app.mjs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnWard } from '../../src/cli/testing.js';
import { ok, runProgram } from './pattern-harness.js';
import { freePort } from '../helpers/net.js';
import { REPO_ROOT } from '../helpers/process.js';
import { api, startTestServer, type TestServer } from '../helpers/server.js';

const EXAMPLE = join(REPO_ROOT, 'examples', '05-batch-broker');
const INVENTORY = join(EXAMPLE, 'inventory.json');
const TRUSTED = ['kiosk-001', 'kiosk-002'];

const body = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve) => {
    let s = '';
    req.setEncoding('utf8').on('data', (c: string) => (s += c)).on('end', () => resolve(s));
  });

/** An orchestrator: GET /inventory, POST /deliver, GET /deliver/<id> (what the device holds). */
async function startOrchestrator(t: { after(fn: () => unknown): void }) {
  const held = new Map<string, string>();
  const posts: string[] = [];
  const srv = createServer(async (req, res) => {
    const url = req.url ?? '';
    if (req.method === 'GET' && url === '/inventory') return res.end(readFileSync(INVENTORY));
    if (req.method === 'POST' && url === '/deliver') {
      const b = JSON.parse(await body(req)) as { device_id: string; wrapping_token: string };
      posts.push(b.device_id);
      held.set(b.device_id, b.wrapping_token);
      return res.writeHead(204).end();
    }
    const m = /^\/deliver\/([^/]+)$/.exec(url);
    const token = m?.[1] ? held.get(decodeURIComponent(m[1])) : undefined;
    if (req.method === 'GET' && token) return res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ wrapping_token: token }));
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  t.after(() => new Promise((r) => srv.close(r)));
  return { url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`, held, posts };
}

/** Unwraps a delivered token as the device would and returns the secret ID's metadata. */
async function secretIdMetadata(server: TestServer, wrappingToken: string): Promise<Record<string, string>> {
  const u = await api(server, 'POST', 'sys/wrapping/unwrap', { token: wrappingToken });
  assert.equal(u.status, 200, JSON.stringify(u.body));
  const l = await api(server, 'POST', 'auth/approle/role/device/secret-id/lookup', { token: server.rootToken, body: { secret_id: u.body.data.secret_id } });
  return l.body.data.metadata;
}

test('pattern 5: ward broker delivers wrapped secret IDs to trusted devices only', async (t) => {
  const server = await startTestServer();
  t.after(() => server.close());
  const home = mkdtempSync(join(tmpdir(), 'ward-p5-'));
  const as = (token: string) => (...argv: string[]) => spawnWard(argv, { VAULT_ADDR: server.url, VAULT_TOKEN: token, HOME: home });
  const root = as(server.rootToken);

  // Operator, as in the README.
  await ok(root('auth', 'enable', 'approle'));
  await ok(root('policy', 'write', 'broker', join(EXAMPLE, 'policy-broker.hcl')));
  await ok(root('policy', 'write', 'device', join(EXAMPLE, 'policy-device.hcl')));
  await ok(root('write', 'auth/approle/role/device', 'token_policies=device', 'token_ttl=1h', 'secret_id_num_uses=1', 'secret_id_ttl=24h'));
  await ok(root('kv', 'put', 'secret/fleet/config', 'endpoint=https://fleet.example'));
  const roleId = await ok(root('read', '-field=role_id', 'auth/approle/role/device/role-id'));
  const broker = as(await ok(root('token', 'create', '-policy=broker', '-ttl=1h', '-field=token')));
  const flags = [`-inventory=${INVENTORY}`, '-role=device', '-min-patch-level=2024-06', '-wrap-ttl=1h'];
  const counts = (d: number, already: number, failed = 0) =>
    `trusted: 2, delivered: ${d}, skipped (untrusted): 3, skipped (already delivered): ${already}, failed: ${failed}\n`;

  await t.test('file delivery: only trusted devices get a 0600 token file; re-runs skip or replace', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'ward-p5-out-')), 'out');
    const first = await broker('broker', ...flags, `-deliver-dir=${out}`);
    assert.equal(first.code, 0, first.stderr);
    assert.ok(first.stdout.endsWith(counts(2, 0)), first.stdout);
    assert.match(first.stdout, /kiosk-003: untrusted \(not trusted by the orchestrator\)/);
    assert.match(first.stdout, /kiosk-004: untrusted \(disk not encrypted\)/);
    assert.match(first.stdout, /kiosk-005: untrusted \(patch level 2023-12-30 is below 2024-06\)/);
    assert.deepEqual(readdirSync(out).sort(), TRUSTED.map((id) => `${id}.token`), 'untrusted devices get nothing');
    const tokens = Object.fromEntries(TRUSTED.map((id) => [id, readFileSync(join(out, `${id}.token`), 'utf8').trim()]));
    for (const id of TRUSTED) {
      assert.equal(statSync(join(out, `${id}.token`)).mode & 0o777, 0o600);
      assert.match(tokens[id] ?? '', /^hvs\./);
      assert.ok(!first.stdout.includes(tokens[id] ?? '') && !first.stderr.includes(tokens[id] ?? ''), 'no token is printed');
    }

    const second = await broker('broker', ...flags, `-deliver-dir=${out}`);
    assert.equal(second.code, 0, second.stderr);
    assert.ok(second.stdout.endsWith(counts(0, 2)), second.stdout);
    for (const id of TRUSTED) assert.equal(readFileSync(join(out, `${id}.token`), 'utf8').trim(), tokens[id], 'kept as it was');

    // kiosk-001 collects its token: the device start-up of pattern 2, with this role and path.
    const device = await runProgram(process.execPath, [join(REPO_ROOT, 'examples', '02-trusted-orchestrator', 'app.mjs')], {
      VAULT_ADDR: server.url, APP_ROLE: 'device', SECRET_PATH: 'secret/fleet/config', ROLE_ID: roleId, WRAPPED_SECRET_ID_FILE: join(out, 'kiosk-001.token'),
    });
    assert.equal(device.code, 0, device.stderr);
    assert.match(device.stdout, /policies default,device; read secret\/fleet\/config \(keys: endpoint\)/);
    assert.equal(existsSync(join(out, 'kiosk-001.token')), false, 'the device removed the file it used');

    const third = await broker('broker', ...flags, `-deliver-dir=${out}`);
    assert.ok(third.stdout.endsWith(counts(1, 1)), third.stdout);
    assert.match(third.stdout, /kiosk-001: delivered/);
    // Each delivered token unwraps to a secret ID made for that device.
    for (const id of TRUSTED) {
      const token = readFileSync(join(out, `${id}.token`), 'utf8').trim();
      assert.equal((await secretIdMetadata(server, token))['device_id'], id);
    }
    // A used token on disk is replaced on the next run.
    const fourth = await broker('broker', ...flags, `-deliver-dir=${out}`);
    assert.ok(fourth.stdout.endsWith(counts(2, 0)), fourth.stdout);
    assert.match(fourth.stdout, /replaced a used or expired token/);
  });

  await t.test('HTTP inventory and HTTP delivery; a second run skips held tokens', async () => {
    const orch = await startOrchestrator(t);
    const http = ['-role=device', '-min-patch-level=2024-06', `-inventory=${orch.url}/inventory`, `-deliver-url=${orch.url}/deliver`];
    const first = await broker('broker', ...http);
    assert.equal(first.code, 0, first.stderr);
    assert.ok(first.stdout.endsWith(counts(2, 0)), first.stdout);
    assert.deepEqual(orch.posts, TRUSTED);
    const second = await broker('broker', '-format=json', ...http);
    assert.equal(second.code, 0, second.stderr);
    const report = JSON.parse(second.stdout) as { counts: Record<string, number>; devices: { id: string; kind: string }[] };
    assert.deepEqual(report.counts, { trusted: 2, delivered: 0, untrusted: 3, alreadyDelivered: 2, failed: 0 });
    assert.deepEqual(orch.posts, TRUSTED, 'nothing new was posted');
    for (const id of TRUSTED) assert.equal((await secretIdMetadata(server, orch.held.get(id) ?? ''))['device_id'], id);
  });

  await t.test('failures are counted, never fatal to the run, and make the exit code 2', async () => {
    const out = mkdtempSync(join(tmpdir(), 'ward-p5-fail-'));
    const wrongRole = await broker('broker', `-inventory=${INVENTORY}`, '-role=billing', `-deliver-dir=${out}`, '-min-patch-level=2024-06');
    assert.equal(wrongRole.code, 2);
    assert.ok(wrongRole.stdout.endsWith(counts(0, 0, 2)), wrongRole.stdout);
    assert.match(wrongRole.stdout, /kiosk-001: failed \(permission denied/);
    assert.deepEqual(readdirSync(out), []);
    const closed = `http://127.0.0.1:${await freePort()}`;
    const down = await broker('broker', `-inventory=${INVENTORY}`, '-role=device', `-deliver-url=${closed}/deliver`);
    assert.equal(down.code, 2);
    assert.match(down.stdout, /kiosk-001: failed \(cannot reach orchestrator at http:\/\/127\.0\.0\.1:\d+\/deliver\/kiosk-001: fetch failed: .*ECONNREFUSED/);
    assert.match(down.stdout, /failed: 3\n$/, 'without -min-patch-level kiosk-005 counts as trusted');
    const missing = await broker('broker', `-inventory=${join(out, 'nope.json')}`, '-role=device', `-deliver-dir=${out}`);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^Error reading inventory: cannot read inventory file/);
    const usage = await broker('broker', `-inventory=${INVENTORY}`, '-role=device');
    assert.equal(usage.code, 1);
    assert.match(usage.stderr, /give exactly one of -deliver-dir and -deliver-url/);
  });
});
