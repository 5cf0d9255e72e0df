import { test } from 'node:test';
import assert from 'node:assert/strict';
import { caBundlePatch, trustsCa } from './webhook-bundle.js';

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const CA1 = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
const CA2 = '-----BEGIN CERTIFICATE-----\nBBBB\n-----END CERTIFICATE-----\n';

const cfg = (bundles: (string | undefined)[]) => ({
  metadata: { name: 'vault-agent-injector-cfg', resourceVersion: '42' },
  webhooks: bundles.map((b, i) => ({ name: `w${i}.ward.io`, clientConfig: { ...(b === undefined ? {} : { caBundle: b64(b) }) }, admissionReviewVersions: ['v1'], sideEffects: 'None' })),
});

test('trustsCa: every webhook must carry the CA; a configuration without webhooks trusts nothing', () => {
  assert.equal(trustsCa(cfg([CA1 + CA2, CA1]), CA1), true);
  assert.equal(trustsCa(cfg([CA1 + CA2, CA2]), CA1), false);
  assert.equal(trustsCa(cfg([undefined]), CA1), false);
  assert.equal(trustsCa(cfg([]), CA1), false);
  assert.equal(trustsCa(undefined, CA1), false);
});

test('caBundlePatch sets the bundle on each webhook that lacks it, guarded by the resourceVersion; nothing when all have it', () => {
  assert.deepEqual(caBundlePatch(cfg([CA1, undefined, CA1 + CA2]), CA1 + CA2), [
    { op: 'test', path: '/metadata/resourceVersion', value: '42' },
    { op: 'add', path: '/webhooks/0/clientConfig/caBundle', value: b64(CA1 + CA2) },
    { op: 'add', path: '/webhooks/1/clientConfig/caBundle', value: b64(CA1 + CA2) },
  ]);
  assert.equal(caBundlePatch(cfg([CA1 + CA2, CA1 + CA2]), CA1 + CA2), undefined);
});
