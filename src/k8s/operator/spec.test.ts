import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConnection, parseDuration, parseRef, parseStaticSecret, SpecError } from './spec.js';

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
    refreshAfterMs: undefined, hmacSecretData: true, rolloutRestartTargets: [], instantUpdates: false,
    destination: { name: 'app-config', create: true, overwrite: false, labels: {}, annotations: {}, type: 'Opaque' },
  });
  const full = parseStaticSecret(cr({ ...GOOD, refreshAfter: '1s', version: 2, rolloutRestartTargets: [{ kind: 'Deployment', name: 'web' }], destination: { name: 'x', labels: { a: 'b' }, type: 'kubernetes.io/basic-auth' } }));
  assert.equal(full.refreshAfterMs, 1000);
  assert.equal(parseStaticSecret(cr({ ...GOOD, syncConfig: { instantUpdates: true } })).instantUpdates, true);
  assert.equal(full.version, 2);
  assert.deepEqual(full.rolloutRestartTargets, [{ kind: 'Deployment', name: 'web' }]);
  assert.deepEqual(full.destination, { name: 'x', create: false, overwrite: false, labels: { a: 'b' }, annotations: {}, type: 'kubernetes.io/basic-auth' });
});

test('a bad VaultStaticSecret is a SpecError naming the field', () => {
  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{ ...GOOD, refreshAfter: '10 minutes' }, /^spec\.refreshAfter: invalid duration "10 minutes"/],
    [{ ...GOOD, destination: {} }, /^spec\.destination\.name: required$/],
    [{ ...GOOD, syncConfig: { instantUpdates: 'yes' } }, /^spec\.syncConfig\.instantUpdates: /],
    [{ ...GOOD, destination: undefined }, /^spec\.destination\.name: required$/],
    [{ ...GOOD, mount: '' }, /^spec\.mount: required$/],
    [{ ...GOOD, path: undefined }, /^spec\.path: required$/],
    [{ ...GOOD, type: 'kv-v3' }, /^spec\.type: unsupported value "kv-v3": supported values: "kv-v1", "kv-v2"$/],
    [{ ...GOOD, version: -1 }, /^spec\.version: must be a non-negative integer$/],
    [{ ...GOOD, rolloutRestartTargets: [{ kind: 'Job', name: 'x' }] }, /^spec\.rolloutRestartTargets\[0\]\.kind: unsupported value "Job"/],
    [{ ...GOOD, rolloutRestartTargets: [{ kind: 'Deployment' }] }, /^spec\.rolloutRestartTargets\[0\]\.name: required$/],
    [{ ...GOOD, destination: { name: 'x', transformation: { templates: { a: {} } } } }, /^spec\.destination\.transformation\.templates\.a\.text: required$/],
    [{ ...GOOD, destination: { name: 'x', transformation: { excludes: ['(unclosed'] } } }, /^spec\.destination\.transformation\.excludes\[0\]: invalid regular expression "\(unclosed"$/],
    [{ ...GOOD, destination: { name: 'x', transformation: { includes: 'a.*' } } }, /^spec\.destination\.transformation\.includes: must be a list of strings$/],
    [{ ...GOOD, destination: { name: 'x', transformation: { transformationRefs: [{ templateRefs: [] }] } } }, /^spec\.destination\.transformation\.transformationRefs\[0\]\.name: required$/],
    [{ ...GOOD, destination: { name: 'x', transformation: { excludeRaw: 'yes' } } }, /^spec\.destination\.transformation\.excludeRaw: must be a boolean$/],
  ];
  for (const [spec, re] of bad) assert.throws(() => parseStaticSecret(cr(spec)), (e: unknown) => e instanceof SpecError && re.test(e.message), JSON.stringify(spec));
});

test('destination.transformation is parsed with VSO\'s field names and defaults', () => {
  const t = parseStaticSecret(cr({ ...GOOD, destination: { name: 'x', transformation: {
    templates: { url: { text: '{{ get .Secrets "host" }}' }, named: { name: 'n1', text: 'x' } },
    transformationRefs: [{ name: 'shared', templateRefs: [{ name: 'cfg', keyOverride: 'config' }], ignoreExcludes: true }, { namespace: 'other', name: 'more' }],
    includes: ['^pass'], excludes: ['.*'], excludeRaw: true,
  } } })).destination.transformation;
  assert.deepEqual(t, {
    templates: { url: { name: '', text: '{{ get .Secrets "host" }}' }, named: { name: 'n1', text: 'x' } },
    transformationRefs: [
      { namespace: undefined, name: 'shared', templateRefs: [{ name: 'cfg', keyOverride: 'config' }], ignoreIncludes: false, ignoreExcludes: true },
      { namespace: 'other', name: 'more', templateRefs: [], ignoreIncludes: false, ignoreExcludes: false },
    ],
    includes: ['^pass'], excludes: ['.*'], excludeRaw: true,
  });
  assert.equal(parseStaticSecret(cr(GOOD)).destination.transformation, undefined);
});

test('a VaultConnection needs an address; timeout is a duration', () => {
  assert.deepEqual(parseConnection({ metadata: {}, spec: { address: 'https://ward:8200', timeout: '5s' } }), { address: 'https://ward:8200', headers: {}, tlsServerName: undefined, caCertSecretRef: undefined, caCertPath: undefined, skipTLSVerify: false, timeoutMs: 5000 });
  assert.throws(() => parseConnection({ metadata: {}, spec: {} }), { message: /^spec\.address: required$/ });
  assert.throws(() => parseConnection({ metadata: {}, spec: { address: 'ftp://x' } }), { message: /^spec\.address: must be an http\(s\) URL$/ });
  assert.throws(() => parseConnection({ metadata: {}, spec: { address: 'https://x', caCertSecretRef: 'a', caCertPath: '/b' } }), { message: /^spec\.caCertSecretRef: exclusive with spec\.caCertPath$/ });
});
