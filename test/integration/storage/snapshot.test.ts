/**
 * sys/storage/snapshot: save a running cluster's encrypted entries, restore them into the
 * same cluster or (forced) into another, and refuse anything damaged or foreign without
 * changing a thing.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { BLOCK, END_OF_ARCHIVE, fileHeader, padding, parseHeader } from '../../../src/lib/tar.js';
import { after, describe, it } from 'node:test';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';

async function save(s: TestServer, path = 'sys/storage/snapshot', token = s.rootToken): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  const res = await fetch(`${s.url}/v1/${path}`, { headers: { 'X-Vault-Token': token } });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

// any: as the helpers' api(): bodies are asserted field by field.
async function restore(s: TestServer, bytes: Buffer, path = 'sys/storage/snapshot', token = s.rootToken): Promise<{ status: number; body: any }> {
  // any: asserted field by field.
  const res = await fetch(`${s.url}/v1/${path}`, { method: 'POST', headers: { 'X-Vault-Token': token }, body: bytes });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

const kvPut = (s: TestServer, path: string, data: Record<string, string>, token = s.rootToken) => api(s, 'POST', `secret/data/${path}`, { token, body: { data } });
const kvGet = (s: TestServer, path: string, token = s.rootToken) => api(s, 'GET', `secret/data/${path}`, { token });

async function unseal(s: TestServer, key: string): Promise<void> {
  const r = await api(s, 'PUT', 'sys/unseal', { body: { key } });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.sealed, false);
}

describe('sys/storage/snapshot', () => {
  const servers: TestServer[] = [];
  after(async () => {
    for (const s of servers) await s.close();
  });
  const server = async (): Promise<TestServer> => {
    const s = await startTestServer({ storage: 'sqlite' });
    servers.push(s);
    return s;
  };

  it('save, write more, restore: the later writes are gone, the snapshot\'s data is back, after an unseal with the same key', async () => {
    const s = await server();
    for (let i = 0; i < 30; i++) assert.equal((await kvPut(s, `app/${i}`, { v: `before-${i}` })).status, 200);
    const snap = await save(s);
    assert.equal(snap.status, 200);
    assert.equal(snap.headers.get('content-type'), 'application/octet-stream');
    assert.deepEqual([...snap.bytes.subarray(0, 2)], [0x1f, 0x8b], 'gzip, as Vault\'s raft snapshots');
    const tar = gunzipSync(snap.bytes);
    assert.ok(tar.includes(Buffer.from('SHA256SUMS.sealed')));
    assert.ok(!tar.includes(Buffer.from('before-7')), 'the snapshot holds ciphertext only');

    assert.equal((await kvPut(s, 'app/7', { v: 'after' })).status, 200);
    assert.equal((await kvPut(s, 'later', { v: 'new' })).status, 200);
    assert.equal((await api(s, 'PUT', 'sys/policies/acl/later', { token: s.rootToken, body: { policy: 'path "x" { capabilities = ["read"] }' } })).status, 204);

    const r = await restore(s, snap.bytes);
    assert.equal(r.status, 204, JSON.stringify(r.body));
    assert.equal((await api(s, 'GET', 'sys/seal-status')).body.sealed, true, 'a restore leaves the node sealed');
    await unseal(s, s.unsealKeys[0] as string);
    assert.equal((await kvGet(s, 'app/7')).body.data.data.v, 'before-7');
    assert.equal((await kvGet(s, 'app/29')).body.data.data.v, 'before-29');
    assert.equal((await kvGet(s, 'later')).status, 404);
    assert.equal((await api(s, 'GET', 'sys/policies/acl/later', { token: s.rootToken })).status, 404);
    // The restored cluster takes writes again.
    assert.equal((await kvPut(s, 'after-restore', { v: 'ok' })).status, 200);
    assert.equal((await kvGet(s, 'after-restore')).body.data.data.v, 'ok');
  });

  it('a corrupted or truncated snapshot is refused with 400 and nothing changes', async () => {
    const s = await server();
    assert.equal((await kvPut(s, 'k', { v: 'one' })).status, 200);
    const snap = (await save(s)).bytes;
    assert.equal((await kvPut(s, 'k', { v: 'two' })).status, 200);
    const flipped = Buffer.from(snap);
    flipped[Math.floor(snap.length / 2)] = (flipped[Math.floor(snap.length / 2)] as number) ^ 0xff;
    for (const [bad, why] of [
      [flipped, /^invalid snapshot: (checksum mismatch|corrupt snapshot|not a Ward snapshot, or a corrupted one)/],
      [snap.subarray(0, snap.length - 10), /^invalid snapshot: truncated snapshot/],
      [Buffer.from('{"not":"a snapshot"}'), /^invalid snapshot: not a Ward snapshot/],
      [gzipSync(Buffer.from('{"not":"a snapshot"}')), /^invalid snapshot: truncated snapshot/],
      [Buffer.alloc(0), /^invalid snapshot: truncated snapshot/],
    ] as const) {
      const r = await restore(s, bad);
      assert.equal(r.status, 400);
      assert.match(r.body.errors[0], why);
      assert.equal((await api(s, 'GET', 'sys/seal-status')).body.sealed, false);
      assert.equal((await kvGet(s, 'k')).body.data.data.v, 'two');
    }
  });

  it('another cluster\'s snapshot is refused unless forced; forced, the node unseals with that cluster\'s keys', async () => {
    const a = await server();
    const b = await server();
    assert.equal((await kvPut(a, 'from-a', { v: 'A' })).status, 200);
    assert.equal((await kvPut(b, 'from-b', { v: 'B' })).status, 200);
    const snapA = (await save(a)).bytes;

    const refused = await restore(b, snapA);
    assert.equal(refused.status, 400);
    assert.equal(refused.body.errors[0], 'could not verify hash file, possibly the snapshot is using a different set of unseal keys; use the snapshot-force API to bypass this check');
    assert.equal((await kvGet(b, 'from-b')).body.data.data.v, 'B');

    const forced = await restore(b, snapA, 'sys/storage/snapshot-force');
    assert.equal(forced.status, 204, JSON.stringify(forced.body));
    assert.equal((await api(b, 'GET', 'sys/seal-status')).body.sealed, true);
    const wrong = await api(b, 'PUT', 'sys/unseal', { body: { key: b.unsealKeys[0] } });
    assert.equal(wrong.status, 400, 'B\'s own key no longer unseals it');
    await unseal(b, a.unsealKeys[0] as string);
    assert.equal((await kvGet(b, 'from-a', a.rootToken)).body.data.data.v, 'A');
    assert.equal((await kvGet(b, 'from-b', a.rootToken)).status, 404);
    assert.equal((await api(b, 'GET', 'auth/token/lookup-self', { token: b.rootToken })).status, 403, 'B\'s old root token is gone');
    assert.equal((await api(b, 'GET', 'sys/seal-status')).body.cluster_id, (await api(a, 'GET', 'sys/seal-status')).body.cluster_id);
  });

  it('a snapshot of this cluster altered and re-summed is refused: the sealed tag needs the root key', async () => {
    const s = await server();
    await kvPut(s, 'k', { v: 'one' });
    const tar = gunzipSync((await save(s)).bytes);
    // Rebuild the archive with one entries member dropped and SHA256SUMS recomputed:
    // everything an attacker without the root key can do.
    const members: Array<{ name: string; data: Buffer }> = [];
    for (let at = 0; ; ) {
      const h = parseHeader(tar.subarray(at, at + BLOCK));
      if (h === null) break;
      members.push({ name: h.name, data: tar.subarray(at + BLOCK, at + BLOCK + h.size) });
      at += BLOCK + h.size + padding(h.size).length;
    }
    const kept = members.filter((m) => m.name !== 'entries/000001.bin' && m.name !== 'SHA256SUMS' && m.name !== 'SHA256SUMS.sealed');
    const renamed = kept.map((m) => (m.name.startsWith('entries/') ? { ...m, name: `entries/${String(Number(m.name.slice(8, 14)) - 1).padStart(6, '0')}.bin` } : m));
    const manifest = JSON.parse(renamed.find((m) => m.name === 'manifest.json')?.data.toString() ?? '{}');
    const dropped = members.find((m) => m.name === 'entries/000001.bin')?.data as Buffer;
    let count = 0;
    for (let at = 0; at < dropped.length; count++) at += 8 + dropped.readUInt32BE(at) + dropped.readUInt32BE(at + 4 + dropped.readUInt32BE(at));
    const fixed = renamed.map((m) => (m.name === 'manifest.json' ? { ...m, data: Buffer.from(JSON.stringify({ entries: manifest.entries - count, members: manifest.members - 1 })) } : m));
    const sums = Buffer.from(fixed.map((m) => `${createHash('sha256').update(m.data).digest('hex')}  ${m.name}\n`).join(''));
    const sealed = members.find((m) => m.name === 'SHA256SUMS.sealed')?.data as Buffer;
    const forged = gzipSync(Buffer.concat([...[...fixed, { name: 'SHA256SUMS', data: sums }, { name: 'SHA256SUMS.sealed', data: sealed }].flatMap((m) => [fileHeader(m.name, m.data.length), m.data, padding(m.data.length)]), END_OF_ARCHIVE]));
    const r = await restore(s, forged);
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.match(r.body.errors[0], /^could not verify hash file/);
    assert.equal((await kvGet(s, 'k')).body.data.data.v, 'one');
  });

  it('needs sudo; Vault\'s raft path names work too; sealed, it answers 503', async () => {
    const s = await server();
    const policy = (sudo: boolean) => `path "sys/storage/snapshot" { capabilities = ["read", "update"${sudo ? ', "sudo"' : ''}] }`;
    await api(s, 'PUT', 'sys/policies/acl/snap', { token: s.rootToken, body: { policy: policy(false) } });
    await api(s, 'PUT', 'sys/policies/acl/snap-sudo', { token: s.rootToken, body: { policy: policy(true) } });
    const tok = async (p: string) => (await api(s, 'POST', 'auth/token/create', { token: s.rootToken, body: { policies: [p] } })).body.auth.client_token as string;
    const plain = await tok('snap');
    const sudo = await tok('snap-sudo');
    assert.equal((await save(s, 'sys/storage/snapshot', plain)).status, 403);
    assert.equal((await restore(s, Buffer.from('x'), 'sys/storage/snapshot', plain)).status, 403);
    assert.equal((await save(s, 'sys/storage/snapshot', '')).status, 403);
    const ok = await save(s, 'sys/storage/snapshot', sudo);
    assert.equal(ok.status, 200);
    const raft = await save(s, 'sys/storage/raft/snapshot');
    assert.equal(raft.status, 200);
    assert.ok(gunzipSync(raft.bytes).includes(Buffer.from('meta.json')));
    assert.equal((await restore(s, raft.bytes, 'sys/storage/raft/snapshot')).status, 204);
    assert.equal((await save(s)).status, 503);
  });

  it('is audited like any request, without the snapshot\'s bytes', async () => {
    const s = await server();
    const dir = mkdtempSync(join(tmpdir(), 'ward-snap-audit-'));
    try {
      const log = join(dir, 'audit.log');
      assert.equal((await api(s, 'PUT', 'sys/audit/file', { token: s.rootToken, body: { type: 'file', options: { file_path: log } } })).status, 204);
      const snap = await save(s);
      assert.equal(snap.status, 200);
      assert.equal((await restore(s, snap.bytes)).status, 204);
      const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      const paths = lines.map((l) => `${l.type} ${l.request.operation} ${l.request.path}`);
      assert.ok(paths.includes('request read sys/storage/snapshot') && paths.includes('response read sys/storage/snapshot'), paths.join('\n'));
      assert.ok(paths.includes('request update sys/storage/snapshot') && paths.includes('response update sys/storage/snapshot'), paths.join('\n'));
      for (const l of lines.filter((x) => x.type === 'response' && x.request.path === 'sys/storage/snapshot')) assert.equal(l.response.data, undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('streams a large store in chunks', async () => {
    const s = await server();
    const big = 'x'.repeat(4000);
    for (let i = 0; i < 600; i++) await api(s, 'POST', `secret/data/bulk/${i}`, { token: s.rootToken, body: { data: { big } } });
    const res = await fetch(`${s.url}/v1/sys/storage/snapshot`, { headers: { 'X-Vault-Token': s.rootToken } });
    assert.equal(res.headers.get('transfer-encoding'), 'chunked');
    assert.equal(res.headers.get('content-length'), null);
    const bytes = Buffer.from(await res.arrayBuffer());
    assert.ok(bytes.length > 600 * 4000);
    assert.equal((await restore(s, bytes)).status, 204);
    await unseal(s, s.unsealKeys[0] as string);
    assert.equal((await api(s, 'GET', 'secret/data/bulk/599', { token: s.rootToken })).body.data.data.big, big);
  });
});
