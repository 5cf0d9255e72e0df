import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAuth, parseConnection, parseDuration, parseDynamicSecret, parseRef, parseStaticSecret, SpecError } from './spec.js';

test('durations use VSO\'s pattern: seconds, minutes, hours, with decimals', () => {
  const ok: Array<[string, number]> = [['1s', 1000], ['30s', 30_000], ['1.5m', 90_000], ['2h', 7_200_000], ['0.5s', 500]];
  for (const [s, ms] of ok) assert.equal(parseDuration(s, 'spec.refreshAfter'), ms, s);
  for (const bad of ['', '10', '1d', '-1s', '1 s', 's', '1h30m']) {
    assert.throws(() => parseDuration(bad, 'spec.refreshAfter'), (e: unknown) => e instanceof SpecError && e.message === `spec.refreshAfter: invalid duration ${JSON.stringify(bad)} (want e.g. 30s, 5m, 1h)`, bad);
  }
});

test('references are [namespace/]name, defaulting to "default" in the operator namespace', () => {
  assert.deepEqual(parseRef(undefined, 'apps', 'ward'), { namespace: 'ward', name: 'default' });
  assert.deepEqual(parseRef('', 'apps', 'ward'), { namespace: 'ward', name: 'default' });
  assert.deepEqual(parseRef('mine', 'apps', 'ward'), { namespace: 'apps', name: 'mine' });
  assert.deepEqual(parseRef('other/theirs', 'apps', 'ward'), { namespace: 'other', name: 'theirs' });
});

const cr = (spec: Record<string, unknown>) => ({ metadata: { namespace: 'apps', name: 's', uid: 'u-1', generation: 3 }, spec });
const GOOD = { mount: 'secret', path: 'app/config', type: 'kv-v2', destination: { name: 'app-config', create: true } };

test('a VaultStaticSecret is parsed with VSO\'s defaults', () => {
  const s = parseStaticSecret(cr(GOOD));
  assert.deepEqual(s, {
    vaultAuthRef: undefined, namespace: undefined, mount: 'secret', path: 'app/config', type: 'kv-v2', version: undefined,
    refreshAfterMs: undefined, hmacSecretData: true, rolloutRestartTargets: [],
    destination: { name: 'app-config', create: true, overwrite: false, labels: {}, annotations: {}, type: 'Opaque' },
  });
  const full = parseStaticSecret(cr({ ...GOOD, refreshAfter: '1s', version: 2, rolloutRestartTargets: [{ kind: 'Deployment', name: 'web' }], destination: { name: 'x', labels: { a: 'b' }, type: 'kubernetes.io/basic-auth' } }));
  assert.equal(full.refreshAfterMs, 1000);
  assert.equal(full.version, 2);
  assert.deepEqual(full.rolloutRestartTargets, [{ kind: 'Deployment', name: 'web' }]);
  assert.deepEqual(full.destination, { name: 'x', create: false, overwrite: false, labels: { a: 'b' }, annotations: {}, type: 'kubernetes.io/basic-auth' });
});

test('a bad VaultStaticSecret is a SpecError naming the field', () => {
  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{ ...GOOD, refreshAfter: '10 minutes' }, /^spec\.refreshAfter: invalid duration "10 minutes"/],
    [{ ...GOOD, destination: {} }, /^spec\.destination\.name: required$/],
    [{ ...GOOD, destination: undefined }, /^spec\.destination\.name: required$/],
    [{ ...GOOD, mount: '' }, /^spec\.mount: required$/],
    [{ ...GOOD, path: undefined }, /^spec\.path: required$/],
    [{ ...GOOD, type: 'kv-v3' }, /^spec\.type: unsupported value "kv-v3": supported values: "kv-v1", "kv-v2"$/],
    [{ ...GOOD, version: -1 }, /^spec\.version: must be a non-negative integer$/],
    [{ ...GOOD, rolloutRestartTargets: [{ kind: 'Job', name: 'x' }] }, /^spec\.rolloutRestartTargets\[0\]\.kind: unsupported value "Job"/],
    [{ ...GOOD, rolloutRestartTargets: [{ kind: 'Deployment' }] }, /^spec\.rolloutRestartTargets\[0\]\.name: required$/],
    // Better refused than silently writing untransformed data.
    [{ ...GOOD, destination: { name: 'x', transformation: { templates: { a: { text: '{{ .Secrets.a }}' } } } } }, /^spec\.destination\.transformation: not supported by Ward's operator yet$/],
  ];
  for (const [spec, re] of bad) assert.throws(() => parseStaticSecret(cr(spec)), (e: unknown) => e instanceof SpecError && re.test(e.message), JSON.stringify(spec));
});

test('a VaultAuth: only the kubernetes method is supported so far; a missing role is an error', () => {
  const a = parseAuth({ metadata: { namespace: 'ward', name: 'default' }, spec: { method: 'kubernetes', mount: 'kubernetes', headers: { 'X-Auth': 'h' }, kubernetes: { role: 'app', serviceAccount: 'app', audiences: ['vault'] } } });
  assert.deepEqual(a, { vaultConnectionRef: undefined, namespace: undefined, method: 'kubernetes', mount: 'kubernetes', allowedNamespaces: undefined, params: {}, headers: { 'X-Auth': 'h' }, kubernetes: { role: 'app', serviceAccount: 'app', audiences: ['vault'], tokenExpirationSeconds: 600 } });
  assert.throws(() => parseAuth({ metadata: {}, spec: { method: 'ldap', mount: 'x' } }), { message: /^spec\.method: unsupported value "ldap": supported values: "kubernetes", "jwt", "appRole", "aws", "gcp"$/ });
  assert.throws(() => parseAuth({ metadata: {}, spec: { method: 'appRole', mount: 'x' } }), { message: /^spec\.method: "appRole" is not supported by Ward's operator yet \(use kubernetes\)$/ });
  assert.throws(() => parseAuth({ metadata: {}, spec: { method: 'kubernetes', mount: 'k', kubernetes: { serviceAccount: 'a' } } }), { message: /^spec\.kubernetes\.role: required$/ });
  assert.throws(() => parseAuth({ metadata: {}, spec: { method: 'kubernetes', mount: 'k', kubernetes: { role: 'r', serviceAccount: 'a', tokenExpirationSeconds: 60 } } }), { message: /^spec\.kubernetes\.tokenExpirationSeconds: must be at least 600$/ });
});

test('a VaultConnection needs an address; timeout is a duration', () => {
  assert.deepEqual(parseConnection({ metadata: {}, spec: { address: 'https://ward:8200', timeout: '5s' } }), { address: 'https://ward:8200', headers: {}, tlsServerName: undefined, caCertSecretRef: undefined, caCertPath: undefined, skipTLSVerify: false, timeoutMs: 5000 });
  assert.throws(() => parseConnection({ metadata: {}, spec: {} }), { message: /^spec\.address: required$/ });
  assert.throws(() => parseConnection({ metadata: {}, spec: { address: 'ftp://x' } }), { message: /^spec\.address: must be an http\(s\) URL$/ });
  assert.throws(() => parseConnection({ metadata: {}, spec: { address: 'https://x', caCertSecretRef: 'a', caCertPath: '/b' } }), { message: /^spec\.caCertSecretRef: exclusive with spec\.caCertPath$/ });
});

const DGOOD = { mount: 'database', path: 'creds/app', destination: { name: 'db-creds', create: true } };

test('a VaultDynamicSecret is parsed with VSO\'s defaults (GET, renewalPercent 67, no revoke)', () => {
  assert.deepEqual(parseDynamicSecret(cr(DGOOD)), {
    vaultAuthRef: undefined, namespace: undefined, mount: 'database', path: 'creds/app', requestHTTPMethod: 'GET', params: {},
    renewalPercent: 67, revoke: false, allowStaticCreds: false, refreshAfterMs: undefined, rolloutRestartTargets: [],
    destination: { name: 'db-creds', create: true, overwrite: false, labels: {}, annotations: {}, type: 'Opaque' },
  });
  const full = parseDynamicSecret(cr({ ...DGOOD, mount: '/database/', vaultAuthRef: 'db', namespace: 'team', requestHTTPMethod: 'POST', params: { ttl: '1h' }, renewalPercent: 0, revoke: true, allowStaticCreds: true, refreshAfter: '30s', rolloutRestartTargets: [{ kind: 'StatefulSet', name: 'pg-client' }] }));
  assert.equal(full.mount, 'database');
  assert.equal(full.requestHTTPMethod, 'POST');
  assert.deepEqual(full.params, { ttl: '1h' });
  assert.equal(full.renewalPercent, 0);
  assert.equal(full.revoke, true);
  assert.equal(full.allowStaticCreds, true);
  assert.equal(full.refreshAfterMs, 30_000);
  assert.equal(full.vaultAuthRef, 'db');
  assert.equal(full.namespace, 'team');
  assert.deepEqual(full.rolloutRestartTargets, [{ kind: 'StatefulSet', name: 'pg-client' }]);
});

test('VaultDynamicSecret: params make the request a write (PUT unless POST is asked for), as VSO', () => {
  const method = (spec: Record<string, unknown>) => parseDynamicSecret(cr({ ...DGOOD, ...spec })).requestHTTPMethod;
  const table: Array<[Record<string, unknown>, string]> = [
    [{}, 'GET'], [{ requestHTTPMethod: 'PUT' }, 'PUT'], [{ requestHTTPMethod: 'POST' }, 'POST'],
    [{ params: { ttl: '1h' } }, 'PUT'], [{ requestHTTPMethod: 'GET', params: { ttl: '1h' } }, 'PUT'],
    [{ requestHTTPMethod: 'POST', params: { ttl: '1h' } }, 'POST'], [{ requestHTTPMethod: 'GET', params: {} }, 'GET'],
  ];
  for (const [spec, want] of table) assert.equal(method(spec), want, JSON.stringify(spec));
});

test('a bad VaultDynamicSecret is a SpecError naming the field', () => {
  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{ ...DGOOD, mount: undefined }, /^spec\.mount: required$/],
    [{ ...DGOOD, path: '' }, /^spec\.path: required$/],
    [{ ...DGOOD, destination: {} }, /^spec\.destination\.name: required$/],
    [{ ...DGOOD, requestHTTPMethod: 'DELETE' }, /^spec\.requestHTTPMethod: unsupported value "DELETE": supported values: "GET", "POST", "PUT"$/],
    [{ ...DGOOD, renewalPercent: 91 }, /^spec\.renewalPercent: must be an integer from 0 to 90$/],
    [{ ...DGOOD, renewalPercent: -1 }, /^spec\.renewalPercent: must be an integer from 0 to 90$/],
    [{ ...DGOOD, renewalPercent: 50.5 }, /^spec\.renewalPercent: must be an integer from 0 to 90$/],
    [{ ...DGOOD, renewalPercent: '67' }, /^spec\.renewalPercent: must be an integer from 0 to 90$/],
    [{ ...DGOOD, revoke: 'yes' }, /^spec\.revoke: must be a boolean$/],
    [{ ...DGOOD, allowStaticCreds: 1 }, /^spec\.allowStaticCreds: must be a boolean$/],
    [{ ...DGOOD, params: { ttl: 3600 } }, /^spec\.params\.ttl: must be a string$/],
    [{ ...DGOOD, refreshAfter: '1d' }, /^spec\.refreshAfter: invalid duration "1d"/],
    [{ ...DGOOD, rolloutRestartTargets: [{ kind: 'Job', name: 'x' }] }, /^spec\.rolloutRestartTargets\[0\]\.kind: unsupported value "Job"/],
    [{ ...DGOOD, destination: { name: 'x', transformation: { excludes: ['_raw'] } } }, /^spec\.destination\.transformation: not supported by Ward's operator yet$/],
  ];
  for (const [spec, re] of bad) assert.throws(() => parseDynamicSecret(cr(spec)), (e: unknown) => e instanceof SpecError && re.test(e.message), JSON.stringify(spec));
});
