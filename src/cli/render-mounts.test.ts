import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mountColumns } from './render-secret.js';

const KV = { type: 'kv', description: 'key/value secret storage', accessor: 'kv_1', uuid: 'u-1', local: false, seal_wrap: false, external_entropy_access: false, options: { version: '2' }, plugin_version: '', running_plugin_version: 'v1.17.0+builtin.ward', running_sha256: '', deprecation_status: 'supported', config: { default_lease_ttl: 3600, max_lease_ttl: 0, force_no_cache: false } };
const CUBBY = { ...KV, type: 'cubbyhole', accessor: 'cubbyhole_1', uuid: 'u-2', local: true, options: null, description: 'per-token private secret storage', config: { default_lease_ttl: 0, max_lease_ttl: 0, force_no_cache: false } };
const TOKEN = { ...KV, type: 'token', accessor: 'auth_token_1', options: null, description: 'token based credentials', config: { default_lease_ttl: 0, max_lease_ttl: 0, force_no_cache: false, token_type: 'default-service' } };

test("secrets list -detailed has vault's columns: TTLs in seconds or 'system', none for cubbyhole", () => {
  const c = mountColumns({ 'secret/': KV, 'cubbyhole/': CUBBY }, true);
  assert.deepEqual(c.headers, ['Path', 'Plugin', 'Accessor', 'Default TTL', 'Max TTL', 'Force No Cache', 'Replication', 'Seal Wrap', 'External Entropy Access', 'Options', 'Description', 'UUID', 'Version', 'Running Version', 'Running SHA256', 'Deprecation Status']);
  assert.deepEqual(c.rows, [
    ['cubbyhole/', 'cubbyhole', 'cubbyhole_1', '', '', 'false', 'local', 'false', 'false', 'map[]', 'per-token private secret storage', 'u-2', '', 'v1.17.0+builtin.ward', '', 'supported'],
    ['secret/', 'kv', 'kv_1', '3600', 'system', 'false', 'replicated', 'false', 'false', 'map[version:2]', 'key/value secret storage', 'u-1', '', 'v1.17.0+builtin.ward', '', 'supported'],
  ]);
});

test("auth list -detailed has vault's columns, Token Type where secrets have Force No Cache", () => {
  const c = mountColumns({ 'token/': TOKEN }, true, 'auth');
  assert.deepEqual(c.headers, ['Path', 'Plugin', 'Accessor', 'Default TTL', 'Max TTL', 'Token Type', 'Replication', 'Seal Wrap', 'External Entropy Access', 'Options', 'Description', 'UUID', 'Version', 'Running Version', 'Running SHA256', 'Deprecation Status']);
  assert.deepEqual(c.rows[0]?.slice(0, 7), ['token/', 'token', 'auth_token_1', 'system', 'system', 'default-service', 'replicated']);
});

test('the short listing stays Path, Type, Accessor, Description', () => {
  assert.deepEqual(mountColumns({ 'secret/': KV }, false), { headers: ['Path', 'Type', 'Accessor', 'Description'], rows: [['secret/', 'kv', 'kv_1', 'key/value secret storage']] });
});
