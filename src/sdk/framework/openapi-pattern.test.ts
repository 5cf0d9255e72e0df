import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandPattern } from './openapi-pattern.js';
import { genericName, matchAll } from './path.js';

test('patterns expand to the OpenAPI paths Vault would list', () => {
  const cases: [string, string[] | null, string[]][] = [
    // pattern, paths (null: no OpenAPI form), captures
    ['config', ['config'], []],
    ['', [''], []],
    ['role/?', ['role'], []],
    [`role/${genericName('name')}`, ['role/{name}'], ['name']],
    [`data/${matchAll('path')}`, ['data/{path}'], ['path']],
    ['(?<path>.+?)/tune', ['{path}/tune'], ['path']],
    ['oidc/\\.well-known/keys', ['oidc/.well-known/keys'], []],
    [`datakey/(?<plaintext>plaintext|wrapped)/${genericName('name')}`, ['datakey/{plaintext}/{name}'], ['plaintext', 'name']],
    [`hmac/${genericName('name')}(?:/(?<urlalgorithm>[\\w-]+))?`, ['hmac/{name}', 'hmac/{name}/{urlalgorithm}'], ['name', 'urlalgorithm']],
    [
      'random(?:/(?<source>[A-Za-z][\\w-]*))?(?:/(?<urlbytes>\\d+))?',
      ['random', 'random/{urlbytes}', 'random/{source}', 'random/{source}/{urlbytes}'],
      ['source', 'urlbytes'],
    ],
    ['keys/generate/(internal|exported)', ['keys/generate/internal', 'keys/generate/exported'], []],
    ['crl(/pem|/der|/delta(/pem|/der)?)?', ['crl', 'crl/pem', 'crl/der', 'crl/delta', 'crl/delta/pem', 'crl/delta/der'], []],
    ['^login$', ['login'], []],
    ['locked-users/(?<mount_accessor>[^/]+)/unlock/(?<alias_identifier>.+)', ['locked-users/{mount_accessor}/unlock/{alias_identifier}'], ['mount_accessor', 'alias_identifier']],
    // No faithful OpenAPI path: documented without operations by the caller.
    ['.*', null, []],
    ['kv*', null, []],
    ['cert/[0-9]+', null, []],
    ['creds/\\w+', null, []],
    ['(?<name>\\w+)+', null, ['name']],
  ];
  for (const [pattern, paths, captures] of cases) {
    const got = expandPattern(pattern);
    if (paths === null) {
      assert.equal(got, null, pattern);
      continue;
    }
    assert.ok(got, pattern);
    assert.deepEqual([...got.paths].sort(), [...paths].sort(), pattern);
    assert.deepEqual([...got.captures].sort(), [...captures].sort(), pattern);
  }
});
