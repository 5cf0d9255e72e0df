/**
 * Issue 14, findings 5 and 6 at the HTTP entry: bodies beyond Vault's JSON limits
 * (max_json_depth 500, max_json_string_value_length 1 MiB, 10,000 object entries,
 * 10,000 array elements) and strings that are not well-formed Unicode (lone surrogate
 * escapes, invalid UTF-8, percent-escapes that are not UTF-8) get a 400 where they
 * enter, with an audit device on, and the server keeps serving.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';

describe('request input limits and encodings', () => {
  let s: TestServer;
  let dir = '';
  before(async () => {
    s = await startTestServer();
    dir = mkdtempSync(join(tmpdir(), 'ward-input-'));
    const audit = await api(s, 'POST', 'sys/audit/file', { token: s.rootToken, body: { type: 'file', options: { file_path: join(dir, 'audit.log') } } });
    assert.equal(audit.status, 204);
  });
  after(async () => {
    await s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** POST/GET with a body sent byte for byte. */
  async function send(method: string, path: string, body?: string | Buffer, contentType = 'application/json'): Promise<{ status: number; errors: string[]; json: any }> {
    // any: response bodies are asserted field by field.
    const r = await fetch(`${s.url}/v1/${path}`, { method, headers: { 'X-Vault-Token': s.rootToken, 'Content-Type': contentType }, ...(body === undefined ? {} : { body }) });
    const text = await r.text();
    const json = text ? JSON.parse(text) : null;
    return { status: r.status, errors: json?.errors ?? [], json };
  }

  async function healthy(): Promise<void> {
    assert.equal((await api(s, 'GET', 'sys/health')).status, 200);
  }

  const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

  it('deep nesting (4,100 and 100,000 levels) answers 400, not 500', async () => {
    for (const d of [4100, 100_000]) {
      const r = await send('POST', 'secret/data/deep', `{"data":{"k":${nested(d)}}}`);
      assert.equal(r.status, 400, `depth ${d}: ${JSON.stringify(r.errors)}`);
      assert.deepEqual(r.errors, ['JSON input exceeds allowed nesting depth']);
    }
    await healthy();
  });

  it('max_json_depth is 500: 500 levels are stored, 501 are refused', async () => {
    // {"data":{"k": …}} is two levels around the array.
    const ok = await send('POST', 'secret/data/depth', `{"data":{"k":${nested(498)}}}`);
    assert.equal(ok.status, 200, JSON.stringify(ok.errors));
    const back = await api(s, 'GET', 'secret/data/depth', { token: s.rootToken });
    assert.equal(back.status, 200);
    assert.equal(JSON.stringify(back.body.data.data.k), nested(498));
    const over = await send('POST', 'secret/data/depth', `{"data":{"k":${nested(499)}}}`);
    assert.equal(over.status, 400);
    assert.deepEqual(over.errors, ['JSON input exceeds allowed nesting depth']);
  });

  it('max_json_string_value_length is 1 MiB (as stored, escapes decoded), for values and keys', async () => {
    const mib = 1024 * 1024;
    assert.equal((await send('POST', 'secret/data/long', JSON.stringify({ data: { k: 'a'.repeat(mib) } }))).status, 200);
    // 1 MiB once decoded, 1.5 MiB as written ("\n" is two bytes on the wire).
    assert.equal((await send('POST', 'secret/data/long', JSON.stringify({ data: { k: 'a\n'.repeat(mib / 2) } }))).status, 200);
    for (const body of [JSON.stringify({ data: { k: 'a'.repeat(mib + 1) } }), JSON.stringify({ data: { ['a'.repeat(mib + 1)]: 1 } })]) {
      const r = await send('POST', 'secret/data/long', body);
      assert.equal(r.status, 400);
      assert.deepEqual(r.errors, ['JSON string value exceeds allowed length']);
    }
  });

  it('max_json_object_entry_count and max_json_array_element_count are 10,000', async () => {
    const members = (n: number): Record<string, number> => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));
    assert.equal((await send('POST', 'secret/data/wide', JSON.stringify({ data: members(10_000) }))).status, 200);
    const obj = await send('POST', 'secret/data/wide', JSON.stringify({ data: members(10_001) }));
    assert.equal(obj.status, 400);
    assert.deepEqual(obj.errors, ['JSON object exceeds allowed entry count']);
    assert.equal((await send('POST', 'secret/data/wide', JSON.stringify({ data: { a: Array(10_000).fill(1) } }))).status, 200);
    const arr = await send('POST', 'secret/data/wide', JSON.stringify({ data: { a: Array(10_001).fill(1) } }));
    assert.equal(arr.status, 400);
    assert.deepEqual(arr.errors, ['JSON array exceeds allowed element count']);
    await healthy();
  });

  it('refuses lone surrogate escapes in JSON strings, keeps real pairs', async () => {
    for (const s1 of ['\\ud800', '\\udc00', '\\ud800x', '\\ud800\\u0041', '\\udbff']) {
      const r = await send('POST', 'secret/data/sur', `{"data":{"k":"${s1}"}}`);
      assert.equal(r.status, 400, `${s1}: ${JSON.stringify(r.errors)}`);
      assert.match(r.errors[0] ?? '', /surrogate/);
    }
    // In a key too.
    assert.equal((await send('POST', 'secret/data/sur', '{"data":{"\\ud800":"v"}}')).status, 400);
    assert.equal((await send('POST', 'secret/data/sur', '{"data":{"k":"\\ud83d\\ude00"}}')).status, 200);
    const back = await api(s, 'GET', 'secret/data/sur', { token: s.rootToken });
    assert.equal(back.body.data.data.k, '\u{1F600}');
  });

  it('refuses bodies that are not UTF-8', async () => {
    const bad = Buffer.concat([Buffer.from('{"data":{"k":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}}')]);
    const r = await send('POST', 'secret/data/utf8', bad);
    assert.equal(r.status, 400);
    assert.deepEqual(r.errors, ['failed to parse JSON input: invalid UTF-8']);
    // Encoded surrogate halves (CESU-8) are not UTF-8 either.
    const cesu = Buffer.concat([Buffer.from('{"data":{"k":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}}')]);
    assert.equal((await send('POST', 'secret/data/utf8', cesu)).status, 400);
  });

  it('refuses percent-escapes that are not UTF-8 in the query, a form body and the path', async () => {
    const q = await send('GET', 'secret/data/sur?foo=%ED%A0%80');
    assert.equal(q.status, 400, JSON.stringify(q.errors));
    assert.match(q.errors[0] ?? '', /query string/);
    assert.equal((await send('GET', 'secret/data/sur?foo=%FF')).status, 400);
    // Escapes that are UTF-8 still work (é).
    assert.equal((await send('GET', 'secret/data/sur?foo=%C3%A9')).status, 200);
    const form = await send('POST', 'sys/mounts/formkv', 'type=kv&description=%ED%A0%80', 'application/x-www-form-urlencoded');
    assert.equal(form.status, 400, JSON.stringify(form.errors));
    assert.match(form.errors[0] ?? '', /form body/);
    assert.equal((await send('GET', 'secret/data/%ED%A0%80')).status, 400);
    await healthy();
  });
});
