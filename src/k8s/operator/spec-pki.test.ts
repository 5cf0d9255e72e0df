import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePkiSecret, pkiIssueBody, pkiIssuePath } from './spec-pki.js';
import { SpecError } from './spec.js';

const cr = (spec: Record<string, unknown>) => ({ metadata: { namespace: 'apps', name: 'tls', uid: 'u-1', generation: 1 }, spec });
const GOOD = { mount: 'pki', role: 'web', commonName: 'web.apps.svc', destination: { name: 'web-tls', create: true, type: 'kubernetes.io/tls' } };

test('a VaultPKISecret is parsed with VSO\'s defaults', () => {
  assert.deepEqual(parsePkiSecret(cr(GOOD)), {
    vaultAuthRef: undefined, namespace: undefined, mount: 'pki', role: 'web', issuerRef: undefined, commonName: 'web.apps.svc',
    altNames: [], ipSans: [], uriSans: [], otherSans: [], userIDs: [], ttl: '', notAfter: '', excludeCNFromSans: false,
    format: undefined, privateKeyFormat: undefined, expiryOffsetMs: 0, revoke: false, clear: false, rolloutRestartTargets: [],
    destination: { name: 'web-tls', create: true, overwrite: false, labels: {}, annotations: {}, type: 'kubernetes.io/tls' },
  });
  const full = parsePkiSecret(cr({
    ...GOOD, mount: '/pki-int/', vaultAuthRef: 'ward/default', namespace: 'team', issuerRef: 'root-2024', altNames: ['a.example', 'b.example'], ipSans: ['127.0.0.1'],
    uriSans: ['spiffe://x/y'], otherSans: ['1.2.3.4;UTF8:u'], ttl: '7d', notAfter: '2030-01-02T03:04:05Z', excludeCNFromSans: true,
    format: 'pem_bundle', privateKeyFormat: 'pkcs8', expiryOffset: '1.5m', revoke: true, clear: true, rolloutRestartTargets: [{ kind: 'Deployment', name: 'web' }],
  }));
  assert.equal(full.mount, 'pki-int');
  assert.equal(full.expiryOffsetMs, 90_000);
  assert.equal(full.ttl, '7d');
  assert.deepEqual([full.revoke, full.clear, full.excludeCNFromSans], [true, true, true]);
  assert.deepEqual(full.rolloutRestartTargets, [{ kind: 'Deployment', name: 'web' }]);
  assert.equal(pkiIssuePath(full), 'pki-int/issuer/root-2024/web');
  assert.equal(pkiIssuePath(parsePkiSecret(cr(GOOD))), 'pki/issue/web');
});

test('the issue request is the body VSO sends: lists comma-joined, remove_roots_from_chain always', () => {
  assert.deepEqual(pkiIssueBody(parsePkiSecret(cr(GOOD))), {
    common_name: 'web.apps.svc', alt_names: '', ip_sans: '', uri_sans: '', other_sans: '', ttl: '', not_after: '', exclude_cn_from_sans: false, remove_roots_from_chain: true,
  });
  assert.deepEqual(pkiIssueBody(parsePkiSecret(cr({ ...GOOD, altNames: ['a', 'b'], ipSans: ['10.0.0.1', '::1'], userIDs: ['u1', 'u2'], ttl: '1h', format: 'der', privateKeyFormat: 'pkcs8' }))), {
    common_name: 'web.apps.svc', alt_names: 'a,b', ip_sans: '10.0.0.1,::1', uri_sans: '', other_sans: '', user_ids: 'u1,u2', ttl: '1h', not_after: '',
    exclude_cn_from_sans: false, remove_roots_from_chain: true, format: 'der', private_key_format: 'pkcs8',
  });
});

test('a bad VaultPKISecret is a SpecError naming the field', () => {
  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{ ...GOOD, mount: undefined }, /^spec\.mount: required$/],
    [{ ...GOOD, role: '' }, /^spec\.role: required$/],
    [{ ...GOOD, destination: { create: true } }, /^spec\.destination\.name: required$/],
    [{ ...GOOD, expiryOffset: '1d' }, /^spec\.expiryOffset: invalid duration "1d" \(want e\.g\. 30s, 5m, 1h\)$/],
    [{ ...GOOD, expiryOffset: 30 }, /^spec\.expiryOffset: must be a string$/],
    [{ ...GOOD, ttl: 'forever' }, /^spec\.ttl: invalid duration "forever" \(want e\.g\. 30s, 5m, 1h, 7d\)$/],
    [{ ...GOOD, notAfter: 'tomorrow' }, /^spec\.notAfter: invalid time "tomorrow"/],
    [{ ...GOOD, format: 'p12' }, /^spec\.format: unsupported value "p12": supported values: "pem", "der", "pem_bundle"$/],
    [{ ...GOOD, altNames: 'a,b' }, /^spec\.altNames: must be a list of strings$/],
    [{ ...GOOD, ipSans: [1] }, /^spec\.ipSans: must be a list of strings$/],
    [{ ...GOOD, revoke: 'true' }, /^spec\.revoke: must be a boolean$/],
    [{ ...GOOD, rolloutRestartTargets: [{ kind: 'Pod', name: 'x' }] }, /^spec\.rolloutRestartTargets\[0\]\.kind: unsupported value "Pod"/],
    [{ ...GOOD, destination: { name: 'x', transformation: { templates: { a: { text: 1 } } } } }, /^spec\.destination\.transformation\.templates\.a\.text: required$/],
  ];
  for (const [spec, re] of bad) assert.throws(() => parsePkiSecret(cr(spec)), (e: unknown) => e instanceof SpecError && re.test(e.message), JSON.stringify(spec));
});
