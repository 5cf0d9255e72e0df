import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InmemStorage } from '../../sdk/storage.js';
import { AuditedHeaders } from './request-headers.js';

const wire = (...pairs: string[]): string[] => pairs;

describe('audited request headers', () => {
  it('lists Vault\'s default correlation headers (not hmac) before anything is configured', async () => {
    const h = new AuditedHeaders(new InmemStorage());
    await h.load();
    assert.deepEqual(h.list(), { 'correlation-id': { hmac: false }, 'x-correlation-id': { hmac: false } });
  });

  it('stores names in lower case, overwrites, removes, and survives a reload from storage', async () => {
    const storage = new InmemStorage();
    const h = new AuditedHeaders(storage);
    await h.load();
    await h.set('X-Request-Id', false);
    await h.set('X-Tenant', true);
    await h.set('x-tenant', false);
    await h.remove('Correlation-Id');
    await h.remove('never-there');
    assert.deepEqual(h.get('X-REQUEST-ID'), { hmac: false });
    assert.equal(h.get('correlation-id'), undefined);
    const again = new AuditedHeaders(storage);
    await again.load();
    // As Vault: a removed default comes back on the next load.
    assert.deepEqual(again.list(), { 'correlation-id': { hmac: false }, 'x-correlation-id': { hmac: false }, 'x-request-id': { hmac: false }, 'x-tenant': { hmac: false } });
  });

  it('refuses an empty name', async () => {
    const h = new AuditedHeaders(new InmemStorage());
    await assert.rejects(h.set('', true), /header value cannot be empty/);
  });

  it('selects only configured headers, case-insensitively, repeats in order; hmac marks which to hash', async () => {
    const h = new AuditedHeaders(new InmemStorage());
    await h.load();
    await h.set('X-Tenant', true);
    await h.set('X-Trace', false);
    const sel = h.select(wire('Host', 'a', 'X-Tenant', 'acme', 'x-trace', 't1', 'X-Trace', 't2', 'Cookie', 'c'), (s) => `H(${s})`);
    assert.deepEqual({ ...sel }, { 'x-tenant': ['H(acme)'], 'x-trace': ['t1', 't2'] });
    assert.equal(h.select(wire('Host', 'a'), (s) => s), undefined);
    assert.equal(h.select([], (s) => s), undefined);
  });
});
