import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { defineBackend } from '../../sdk/framework/backend.js';
import { InmemStorage } from '../../sdk/storage.js';
import { MAX_RANDOM_BYTES, toolsPaths } from './paths-tools.js';
import { isWardError } from '../../../test/helpers/errors.js';
import { SYS_MOUNT, testRequest } from '../../sdk/testing.js';

const sys = defineBackend({ type: 'system', kind: 'secret', paths: toolsPaths() });

async function post(path: string, data: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const res = await sys.handleRequest(testRequest(new InmemStorage(), 'update', path, data, { ...SYS_MOUNT, clientToken: 't' }));
  assert.equal(res?.warnings, undefined);
  assert.ok(res?.data);
  return res.data;
}

const is400 = isWardError(400);
const bytesOf = (r: Record<string, unknown>, enc: 'hex' | 'base64') => Buffer.from(String(r.random_bytes), enc).length;

describe('sys/tools/random', () => {
  it('returns 32 base64 bytes by default', async () => {
    const r = await post('tools/random');
    assert.match(String(r.random_bytes), /^[A-Za-z0-9+/]+=*$/);
    assert.equal(bytesOf(r, 'base64'), 32);
    assert.notEqual((await post('tools/random')).random_bytes, r.random_bytes);
  });

  it('takes bytes, format and source from the body or the URL', async () => {
    assert.equal(bytesOf(await post('tools/random', { bytes: '16', format: 'hex' }), 'hex'), 16);
    assert.match(String((await post('tools/random/8', { format: 'hex' })).random_bytes), /^[0-9a-f]{16}$/);
    assert.equal(bytesOf(await post('tools/random/seal'), 'base64'), 32);
    assert.equal(bytesOf(await post('tools/random/all/24', { bytes: 1 }), 'base64'), 24, 'URL bytes win');
    assert.equal(bytesOf(await post('tools/random', { bytes: MAX_RANDOM_BYTES }), 'base64'), MAX_RANDOM_BYTES);
  });

  it('refuses bad sizes, formats and sources', async () => {
    await assert.rejects(post('tools/random', { bytes: MAX_RANDOM_BYTES + 1 }), is400);
    await assert.rejects(post('tools/random', { bytes: 0 }), is400);
    await assert.rejects(post('tools/random', { format: 'base32' }), is400);
    await assert.rejects(post('tools/random/moon'), is400);
  });
});

describe('sys/tools/hash', () => {
  const input = Buffer.from('hello ward').toString('base64');
  const expect = (alg: string, enc: 'hex' | 'base64') => createHash(alg).update('hello ward').digest(enc);

  it('hashes with sha2-256 and hex by default', async () => {
    assert.deepEqual(await post('tools/hash', { input }), { sum: expect('sha256', 'hex') });
  });

  it('supports every sha2 and sha3 size, from the body or the URL, in hex or base64', async () => {
    for (const [wire, node] of [['sha2-224', 'sha224'], ['sha2-384', 'sha384'], ['sha2-512', 'sha512'], ['sha3-224', 'sha3-224'], ['sha3-256', 'sha3-256'], ['sha3-384', 'sha3-384'], ['sha3-512', 'sha3-512']] as const) {
      assert.equal((await post('tools/hash', { input, algorithm: wire })).sum, expect(node, 'hex'), wire);
      assert.equal((await post(`tools/hash/${wire}`, { input, format: 'base64' })).sum, expect(node, 'base64'), wire);
    }
  });

  it('refuses unknown algorithms, formats and non-base64 input', async () => {
    await assert.rejects(post('tools/hash/md5', { input }), is400);
    await assert.rejects(post('tools/hash', { input, format: 'raw' }), is400);
    await assert.rejects(post('tools/hash', { input: 'not base64!' }), is400);
  });
});
