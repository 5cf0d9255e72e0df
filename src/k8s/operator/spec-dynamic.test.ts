import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SpecError } from './spec.js';
import { parseDynamicSecret } from './spec-dynamic.js';

const cr = (spec: Record<string, unknown>) => ({ metadata: { namespace: 'apps', name: 's', uid: 'u-1', generation: 3 }, spec });

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
  ];
  for (const [spec, re] of bad) assert.throws(() => parseDynamicSecret(cr(spec)), (e: unknown) => e instanceof SpecError && re.test(e.message), JSON.stringify(spec));
});
