import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WardClient } from '../../api/index.js';
import { parseAgentConfig } from '../config.js';
import { createMethod } from './index.js';
import { JwtMethod, type JwtParams } from './jwt.js';

/** A client that records logins and answers each with a fresh token. */
function recordingClient(): { client: WardClient; logins: Array<{ mount: string; body: Record<string, unknown> }> } {
  const logins: Array<{ mount: string; body: Record<string, unknown> }> = [];
  const client = {
    async login(mount: string, body: Record<string, unknown>) {
      logins.push({ mount, body });
      return { status: 200, body: { auth: { client_token: `tok-${logins.length}`, lease_duration: 60, renewable: true } } };
    },
  } as unknown as WardClient; // only login() is used by the method
  return { client, logins };
}

function tmp(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'ward-jwt-method-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const params = (path: string, over: Partial<JwtParams> = {}): JwtParams => ({
  type: 'jwt', path, role: 'ci', removeJwtAfterReading: true, removeJwtFollowsSymlinks: false, readPeriodMs: 10, ...over,
});

test('config: Vault Agent keys, defaults and errors', () => {
  const hcl = (config: string) => `auto_auth {\n  method "jwt" {\n    config = {\n${config}\n    }\n  }\n}\n`;
  const m = parseAgentConfig(hcl('path = "/var/run/jwt"\nrole = "ci"'), 'a.hcl').autoAuth?.method;
  assert.equal(m?.mountPath, 'jwt');
  assert.deepEqual(m?.params, { type: 'jwt', path: '/var/run/jwt', role: 'ci', removeJwtAfterReading: true, removeJwtFollowsSymlinks: false, readPeriodMs: 60_000 });
  const keep = parseAgentConfig(hcl('path = "/j"\nrole = "r"\nremove_jwt_after_reading = false\nremove_jwt_follows_symlinks = true'), 'a.hcl').autoAuth?.method.params;
  assert.deepEqual(keep, { type: 'jwt', path: '/j', role: 'r', removeJwtAfterReading: false, removeJwtFollowsSymlinks: true, readPeriodMs: 500 });
  const period = parseAgentConfig(hcl('path = "/j"\nrole = "r"\njwt_read_period = "2s"'), 'a.hcl').autoAuth?.method.params;
  assert.equal((period as JwtParams).readPeriodMs, 2000);
  assert.throws(() => parseAgentConfig(hcl('path = "/j"'), 'a.hcl'), /missing required field "role"/);
  assert.throws(() => parseAgentConfig(hcl('role = "r"'), 'a.hcl'), /missing required field "path"/);
  assert.throws(() => parseAgentConfig(hcl('path = "/j"\nrole = "r"\nbogus = 1'), 'a.hcl'), /a\.hcl:\d+: .*unknown key "bogus"/);
  assert.throws(() => parseAgentConfig('auto_auth {\n  method "jwt" {}\n}\n', 'a.hcl'), /missing required stanza "config"/);
  assert.equal(createMethod({ ...m!, params: params('/x') }).name, 'jwt');
});

test('logs in with role and the JWT, removes the file, and keeps the JWT for later logins', async (t) => {
  const dir = tmp(t);
  const path = join(dir, 'jwt');
  writeFileSync(path, 'header.payload.sig\n');
  const { client, logins } = recordingClient();
  const m = new JwtMethod('jwt-ci', params(path));
  const r = await m.authenticate(client);
  assert.deepEqual(r, { token: 'tok-1', leaseDuration: 60, renewable: true });
  assert.deepEqual(logins[0], { mount: 'jwt-ci', body: { role: 'ci', jwt: 'header.payload.sig' } });
  assert.equal(existsSync(path), false, 'removed after reading (Vault default)');
  await m.authenticate(client);
  assert.equal(logins[1]?.body['jwt'], 'header.payload.sig', 'the JWT read earlier is reused');
});

test('no JWT read yet is an error naming the file; an empty file is not a JWT', async (t) => {
  const dir = tmp(t);
  const path = join(dir, 'jwt');
  const { client, logins } = recordingClient();
  const m = new JwtMethod('jwt', params(path));
  await assert.rejects(m.authenticate(client), new RegExp(`${path}.*latest known jwt is empty`));
  writeFileSync(path, '  \n');
  await assert.rejects(m.authenticate(client), /latest known jwt is empty/);
  assert.equal(logins.length, 0);
});

test('remove_jwt_after_reading = false re-reads a rotating file at each login', async (t) => {
  const dir = tmp(t);
  const path = join(dir, 'token');
  writeFileSync(path, 'jwt-one');
  const { client, logins } = recordingClient();
  const m = new JwtMethod('jwt', params(path, { removeJwtAfterReading: false }));
  await m.authenticate(client);
  writeFileSync(path, 'jwt-two');
  await m.authenticate(client);
  assert.deepEqual(logins.map((l) => l.body['jwt']), ['jwt-one', 'jwt-two']);
  assert.equal(existsSync(path), true);
});

test('symlinks: the link is removed, or with remove_jwt_follows_symlinks the file it points to', async (t) => {
  const dir = tmp(t);
  const { client } = recordingClient();
  for (const follow of [false, true]) {
    const target = join(dir, `real-${follow}`);
    const link = join(dir, `link-${follow}`);
    writeFileSync(target, 'a.b.c');
    symlinkSync(target, link);
    await new JwtMethod('jwt', params(link, { removeJwtFollowsSymlinks: follow })).authenticate(client);
    assert.equal(existsSync(target), !follow, `target kept: ${!follow}`);
    assert.equal(existsSync(link), false, 'the link no longer resolves');
  }
});

test('the watch reports a new JWT once, and nothing while it is unchanged', async (t) => {
  const dir = tmp(t);
  const path = join(dir, 'jwt');
  writeFileSync(path, 'first');
  const { client } = recordingClient();
  const m = new JwtMethod('jwt', params(path, { removeJwtAfterReading: false }));
  await m.authenticate(client);
  let calls = 0;
  const stop = m.watchCredentials(() => calls++);
  t.after(stop);
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(calls, 0, 'same JWT: no new credentials');
  writeFileSync(path, 'second');
  const deadline = Date.now() + 5000;
  while (calls === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.equal(calls, 1);
});

test('a projected volume rotated the kubelet way (..data symlink swapped) is followed, and nothing is removed', async (t) => {
  const dir = tmp(t);
  // kubelet's atomic writer: token -> ..data/token, ..data -> ..<timestamp>/ (swapped by rename).
  const generation = (name: string, jwt: string) => {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, 'token'), jwt);
    symlinkSync(name, join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
  };
  generation('..2026_01', 'projected-one');
  symlinkSync('..data/token', join(dir, 'token'));
  const { client, logins } = recordingClient();
  const m = new JwtMethod('kube-jwt', params(join(dir, 'token'), { removeJwtAfterReading: false }));
  await m.authenticate(client);
  let changed = 0;
  const stop = m.watchCredentials(() => changed++);
  t.after(stop);
  generation('..2026_02', 'projected-two');
  const deadline = Date.now() + 5000;
  while (changed === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.equal(changed, 1);
  await m.authenticate(client);
  assert.deepEqual(logins.map((l) => l.body['jwt']), ['projected-one', 'projected-two']);
  assert.equal(existsSync(join(dir, '..2026_02', 'token')), true);
});
