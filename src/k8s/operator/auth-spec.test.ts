import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAuth, validateAuth } from './auth-spec.js';
import { SpecError } from './spec.js';

const cr = (spec: Record<string, unknown>) => ({ metadata: { namespace: 'apps', name: 'a', uid: 'u-1', generation: 2 }, spec });
const K8S = { method: 'kubernetes', mount: 'kubernetes', kubernetes: { role: 'app', serviceAccount: 'app' } };

test('a kubernetes VaultAuth keeps VSO\'s defaults', () => {
  const a = parseAuth(cr(K8S));
  assert.equal(a.method, 'kubernetes');
  assert.deepEqual(a.kubernetes, { role: 'app', serviceAccount: 'app', audiences: [], tokenExpirationSeconds: 600 });
  assert.equal(a.appRole, undefined);
  assert.equal(a.storageEncryption, undefined);
});

test('an appRole VaultAuth needs roleId and secretRef (the Secret holding key "id")', () => {
  const a = parseAuth(cr({ method: 'appRole', mount: '/approle/', appRole: { roleId: 'r-1', secretRef: 'approle-secret' }, headers: { 'X-A': 'b' }, params: { p: 'q' } }));
  assert.equal(a.method, 'appRole');
  assert.equal(a.mount, 'approle');
  assert.deepEqual(a.appRole, { roleId: 'r-1', secretRef: 'approle-secret' });
  assert.deepEqual(a.headers, { 'X-A': 'b' });
  assert.deepEqual(a.params, { p: 'q' });
});

test('jwt: role plus a secretRef (key "jwt") or a service account for a TokenRequest', () => {
  assert.deepEqual(parseAuth(cr({ method: 'jwt', mount: 'jwt', jwt: { role: 'r', secretRef: 'jwt-secret' } })).jwt, { role: 'r', secretRef: 'jwt-secret', serviceAccount: undefined, audiences: [], tokenExpirationSeconds: 600 });
  assert.deepEqual(parseAuth(cr({ method: 'jwt', mount: 'jwt', jwt: { role: 'r', serviceAccount: 'app', audiences: ['ward'], tokenExpirationSeconds: 900 } })).jwt, { role: 'r', secretRef: undefined, serviceAccount: 'app', audiences: ['ward'], tokenExpirationSeconds: 900 });
});

test('storageEncryption names the transit mount and key', () => {
  assert.deepEqual(parseAuth(cr({ ...K8S, storageEncryption: { mount: 'transit', keyName: 'vso' } })).storageEncryption, { mount: 'transit', keyName: 'vso' });
});

test('a bad VaultAuth is a SpecError naming the field', () => {
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ method: 'appRole', mount: 'approle' }, 'spec.appRole.roleId: required'],
    [{ method: 'appRole', mount: 'approle', appRole: { roleId: 'r' } }, 'spec.appRole.secretRef: required'],
    [{ method: 'appRole', mount: 'approle', appRole: { roleId: 'r', secretRef: 's', secretIDPath: '/x' } }, 'spec.appRole.secretIDPath: not supported by Ward\'s operator (use secretRef)'],
    [{ method: 'jwt', mount: 'jwt', jwt: { role: 'r' } }, 'spec.jwt: one of secretRef or serviceAccount is required'],
    [{ method: 'jwt', mount: 'jwt', jwt: { role: 'r', secretRef: 's', serviceAccount: 'a' } }, 'spec.jwt.secretRef: exclusive with spec.jwt.serviceAccount'],
    [{ method: 'jwt', mount: 'jwt', jwt: { secretRef: 's' } }, 'spec.jwt.role: required'],
    [{ method: 'aws', mount: 'aws' }, 'spec.method: "aws" is not supported by Ward\'s operator yet (use kubernetes, appRole or jwt)'],
    [{ method: 'ldap', mount: 'x' }, 'spec.method: unsupported value "ldap": supported values: "kubernetes", "jwt", "appRole", "aws", "gcp"'],
    [{ ...K8S, kubernetes: { role: 'app', serviceAccount: 'app', tokenExpirationSeconds: 60 } }, 'spec.kubernetes.tokenExpirationSeconds: must be at least 600'],
    [{ ...K8S, storageEncryption: { mount: 'transit' } }, 'spec.storageEncryption.keyName: required'],
    [{ ...K8S, headers: { a: 1 } }, 'spec.headers.a: must be a string'],
  ];
  for (const [spec, msg] of cases) {
    assert.throws(() => parseAuth(cr(spec)), (e: unknown) => e instanceof SpecError && e.message === msg, msg);
  }
});

test('validateAuth: with a vaultAuthGlobalRef the method and its fields may come from the global', () => {
  assert.doesNotThrow(() => validateAuth(cr({ vaultAuthGlobalRef: { name: 'g' } })));
  assert.doesNotThrow(() => validateAuth(cr({ vaultAuthGlobalRef: { allowDefault: true }, method: 'appRole' })));
  assert.throws(() => validateAuth(cr({ vaultAuthGlobalRef: {} })), (e: unknown) => e instanceof SpecError && e.message === 'spec.vaultAuthGlobalRef.name: required unless allowDefault is true');
  assert.throws(() => validateAuth(cr({ vaultAuthGlobalRef: { name: 'g', mergeStrategy: { headers: 'all' } } })), (e: unknown) => e instanceof SpecError && /spec.vaultAuthGlobalRef.mergeStrategy.headers: unsupported value "all"/.test(e.message));
  assert.throws(() => validateAuth(cr({ vaultAuthGlobalRef: { name: 'g' }, method: 'ldap' })), SpecError);
  // Without a global reference it is the full parse.
  assert.throws(() => validateAuth(cr({ method: 'kubernetes' })), (e: unknown) => e instanceof SpecError && e.message === 'spec.mount: required');
});

test('moved from spec.test.ts: a kubernetes VaultAuth in full; a missing role is an error', () => {
  const a = parseAuth({ metadata: { namespace: 'ward', name: 'default' }, spec: { method: 'kubernetes', mount: 'kubernetes', headers: { 'X-Auth': 'h' }, kubernetes: { role: 'app', serviceAccount: 'app', audiences: ['vault'] } } });
  assert.deepEqual(a, { vaultConnectionRef: undefined, namespace: undefined, method: 'kubernetes', mount: 'kubernetes', allowedNamespaces: undefined, params: {}, headers: { 'X-Auth': 'h' }, kubernetes: { role: 'app', serviceAccount: 'app', audiences: ['vault'], tokenExpirationSeconds: 600 } });
  assert.throws(() => parseAuth({ metadata: {}, spec: { method: 'kubernetes', mount: 'k', kubernetes: { serviceAccount: 'a' } } }), { message: /^spec\.kubernetes\.role: required$/ });
});
