import assert from 'node:assert/strict';
import { test } from 'node:test';
import { servableLocally, type LocalCandidate } from './local-reads.js';

test('a performance standby serves KV reads, token lookups and capability checks, and forwards the rest', () => {
  const c = (operation: LocalCandidate['operation'], path: string, mountType: string | null, wrapTtl = 0): LocalCandidate => ({ operation, path, mountType, wrapTtl });
  const table: Array<[LocalCandidate, boolean]> = [
    [c('read', 'secret/data/app', 'kv'), true],
    [c('list', 'secret/metadata/', 'kv'), true],
    [c('read', 'kv1/app', 'kv'), true],
    [c('update', 'secret/data/app', 'kv'), false],
    [c('patch', 'secret/data/app', 'kv'), false],
    [c('delete', 'secret/data/app', 'kv'), false],
    [c('help', 'secret/data/app', 'kv'), false],
    [c('read', 'secret/data/app', 'kv', 60), false],
    [c('read', 'auth/token/lookup-self', 'token'), true],
    [c('update', 'auth/token/lookup', 'token'), true],
    [c('update', 'auth/token/lookup-accessor', 'token'), true],
    [c('update', 'auth/token/create', 'token'), false],
    [c('update', 'auth/token/renew-self', 'token'), false],
    [c('update', 'sys/capabilities-self', 'system'), true],
    [c('update', 'sys/capabilities', 'system'), true],
    [c('update', 'sys/capabilities-accessor', 'system'), true],
    [c('read', 'sys/policy/default', 'system'), false],
    [c('update', 'sys/policy/x', 'system'), false],
    [c('read', 'database/creds/app', 'database'), false],
    [c('read', 'pki/cert/ca', 'pki'), false],
    [c('read', 'nowhere/x', null), false],
  ];
  for (const [cand, want] of table) assert.equal(servableLocally(cand), want, `${cand.operation} ${cand.path} (${cand.mountType})`);
});
