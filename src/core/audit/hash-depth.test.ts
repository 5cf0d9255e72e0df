/**
 * Issue 14, finding 5: the audit hasher recursed once per nesting level and overflowed
 * V8's stack at about 4,100 levels. It now refuses data nested beyond a fixed bound
 * with a clean error (the broker turns it into the usual audit failure), whatever the
 * listener's max_json_depth lets through.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { AuditFormatter } from './formatter.js';
import { MAX_AUDIT_DEPTH, hashedJson, hmacValue } from './hash.js';
import type { AuditEntryInput } from './types.js';

const salt = randomBytes(32);
const h = (s: string): string => hmacValue(salt, s);

/** `depth` containers, arrays and objects alternating, around the string "leaf". */
function nested(depth: number): unknown {
  let v: unknown = 'leaf';
  for (let i = 0; i < depth; i++) v = i % 2 === 0 ? [v] : { k: v };
  return v;
}

describe('audit hashing depth', () => {
  it('hashes data nested up to the bound', () => {
    const text = hashedJson(nested(MAX_AUDIT_DEPTH), h, null)!;
    assert.ok(text.includes(h('leaf')));
    assert.equal(text.length, JSON.stringify(nested(MAX_AUDIT_DEPTH)).length - '"leaf"'.length + `"${h('leaf')}"`.length);
  });

  it('refuses deeper data with a clean error, not a stack overflow', () => {
    for (const depth of [MAX_AUDIT_DEPTH + 1, 5000, 200_000]) {
      assert.throws(() => hashedJson(nested(depth), h, null), { name: 'Error', message: 'audit: data nested too deeply to record' }, `depth ${depth}`);
    }
    // Under a key kept in the clear as well.
    assert.throws(() => hashedJson({ ttl: nested(200_000) }, h, new Set(['ttl'])), { message: 'audit: data nested too deeply to record' });
  });

  it('a record with such data fails to format cleanly', () => {
    const f = new AuditFormatter(salt);
    const e: AuditEntryInput = {
      auth: null,
      request: { id: 'r', operation: 'update', mountType: 'kv', mountAccessor: 'a', mountPoint: 'secret/', clientToken: '', clientTokenAccessor: '', path: 'secret/x', data: { v: nested(200_000) }, remoteAddress: '127.0.0.1', remotePort: 1, wrapTtl: 0 },
    };
    assert.throws(() => f.format('request', e, '2024-01-01T00:00:00Z'), { message: 'audit: data nested too deeply to record' });
  });
});
