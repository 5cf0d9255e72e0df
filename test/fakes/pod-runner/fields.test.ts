import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fieldValue, parseQuantity, resourceValue } from './fields.js';
import type { V1Container, V1Pod } from '@kubernetes/client-node';

const pod: V1Pod = {
  metadata: { name: 'web-1', namespace: 'prod', uid: 'u-1', labels: { app: 'web', 'x.io/tier': 'a' }, annotations: { note: 'say "hi"' } },
  spec: { serviceAccountName: 'web-sa', nodeName: 'node-a', containers: [] },
};
const node = { name: 'fake-node', hostIP: '127.0.0.1', podIP: '127.0.0.1', cpu: 4, memory: 8 * 1024 ** 3 };

test('fieldRef paths resolve against the pod as the kubelet does', () => {
  const cases: Array<[string, string]> = [
    ['metadata.name', 'web-1'],
    ['metadata.namespace', 'prod'],
    ['metadata.uid', 'u-1'],
    ["metadata.labels['app']", 'web'],
    ["metadata.labels['x.io/tier']", 'a'],
    ["metadata.labels['missing']", ''],
    ["metadata.annotations['note']", 'say "hi"'],
    ['metadata.labels', 'app="web"\nx.io/tier="a"'],
    ['metadata.annotations', 'note="say \\"hi\\""'],
    ['spec.serviceAccountName', 'web-sa'],
    ['spec.nodeName', 'node-a'],
    ['status.podIP', '127.0.0.1'],
    ['status.podIPs', '127.0.0.1'],
    ['status.hostIP', '127.0.0.1'],
  ];
  for (const [path, want] of cases) assert.equal(fieldValue(pod, path, node), want, path);
  assert.throws(() => fieldValue(pod, 'spec.containers', node), /unsupported fieldPath: spec.containers/);
  assert.equal(fieldValue({ ...pod, spec: { containers: [] } }, 'spec.nodeName', node), 'fake-node');
});

test('quantities parse with decimal and binary suffixes', () => {
  const cases: Array<[string, number]> = [
    ['1', 1], ['500m', 0.5], ['2', 2], ['128Mi', 128 * 1024 ** 2], ['1Gi', 1024 ** 3], ['1G', 1e9], ['1k', 1000], ['1e3', 1000], ['0.5', 0.5], ['250u', 0.00025],
  ];
  for (const [q, want] of cases) assert.equal(parseQuantity(q), want, q);
  assert.throws(() => parseQuantity('12 apples'), /invalid quantity "12 apples"/);
});

test('resourceFieldRef: limits and requests with divisor, node allocatable when unset', () => {
  const c: V1Container = { name: 'app', resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '250m' } } };
  assert.equal(resourceValue(c, { resource: 'limits.cpu' }, node), '1');
  assert.equal(resourceValue(c, { resource: 'limits.cpu', divisor: '1m' }, node), '500');
  assert.equal(resourceValue(c, { resource: 'requests.cpu', divisor: '1m' }, node), '250');
  assert.equal(resourceValue(c, { resource: 'limits.memory', divisor: '1Mi' }, node), '128');
  assert.equal(resourceValue(c, { resource: 'limits.memory' }, node), String(128 * 1024 ** 2));
  assert.equal(resourceValue(c, { resource: 'requests.memory', divisor: '1Mi' }, node), '128');
  const bare: V1Container = { name: 'app' };
  assert.equal(resourceValue(bare, { resource: 'limits.cpu' }, node), '4');
  assert.equal(resourceValue(bare, { resource: 'requests.cpu' }, node), '0');
  assert.equal(resourceValue(bare, { resource: 'limits.memory', divisor: '1Gi' }, node), '8');
  assert.throws(() => resourceValue(c, { resource: 'limits.gpu' }, node), /unsupported resource: limits.gpu/);
});
