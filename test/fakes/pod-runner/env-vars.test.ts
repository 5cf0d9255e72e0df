import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1ConfigMap, V1Pod, V1Secret } from '@kubernetes/client-node';
import { containerEnv } from './env-vars.js';
import type { PodEnv } from './types.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const secrets: Record<string, V1Secret> = { 'prod/db': { data: { user: b64('app'), password: b64('s3cret'), 'bad key': b64('x') } } };
const maps: Record<string, V1ConfigMap> = { 'prod/cfg': { data: { mode: 'fast', level: 'debug' } } };
const env: PodEnv = {
  resolveSecret: (ns, n) => secrets[`${ns}/${n}`],
  resolveConfigMap: (ns, n) => maps[`${ns}/${n}`],
  requestToken: () => ({ token: 't' }),
  kubernetesService: { host: '127.0.0.1', port: 6443 },
};
const node = { name: 'n1', hostIP: '127.0.0.1', podIP: '127.0.0.1', cpu: 2, memory: 1024 };
const pod: V1Pod = { metadata: { name: 'p', namespace: 'prod', uid: 'uid-1', labels: { app: 'web' } }, spec: { containers: [] } };

test('envFrom, then env with $(VAR) against earlier entries, downward API and key refs', async () => {
  const e = await containerEnv(pod, {
    name: 'app',
    envFrom: [{ configMapRef: { name: 'cfg' } }, { secretRef: { name: 'db' }, prefix: 'DB_' }, { configMapRef: { name: 'nope', optional: true } }],
    env: [
      { name: 'mode', value: 'override' },
      { name: 'GREETING', value: 'hello $(NAME) $(mode) $(DB_user)' },
      { name: 'NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'LATE', value: '$(NAME)-$$(NAME)' },
      { name: 'PASS', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
      { name: 'LEVEL', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'level' } } },
      { name: 'OPT', valueFrom: { secretKeyRef: { name: 'db', key: 'nokey', optional: true } } },
      { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
      { name: 'CPUS', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
      { name: 'API', value: '$(KUBERNETES_SERVICE_HOST):$(KUBERNETES_SERVICE_PORT)' },
      { name: 'P', value: '$(PATH)' },
    ],
  }, env, node, '/.ward/bin:');
  const v = Object.fromEntries(e.vars);
  assert.equal(v['mode'], 'override');
  assert.equal(v['level'], 'debug');
  assert.equal(v['DB_user'], 'app');
  assert.equal(v['GREETING'], 'hello $(NAME) override app');
  assert.equal(v['LATE'], 'p-$(NAME)');
  assert.equal(v['PASS'], 's3cret');
  assert.equal(v['LEVEL'], 'debug');
  assert.equal('OPT' in v, false);
  assert.equal(v['APP'], 'web');
  assert.equal(v['CPUS'], '2');
  assert.equal(v['API'], '127.0.0.1:6443');
  assert.equal(v['P'], '$(PATH)', 'the image PATH is not a Kubernetes variable');
  assert.equal(e.process['PATH'], '/.ward/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
  assert.equal(e.process['HOSTNAME'], 'p');
  assert.equal(e.process['PASS'], 's3cret');
});

test('a missing secret, configmap or key is named the way the kubelet words it', async () => {
  const cases: Array<[object, RegExp]> = [
    [{ env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'gone', key: 'k' } } }] }, /secret "gone" not found$/],
    [{ env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'db', key: 'k' } } }] }, /couldn't find key k in Secret prod\/db$/],
    [{ env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'k' } } }] }, /couldn't find key k in ConfigMap prod\/cfg$/],
    [{ envFrom: [{ configMapRef: { name: 'gone' } }] }, /configmap "gone" not found$/],
  ];
  for (const [c, re] of cases) await assert.rejects(containerEnv(pod, { name: 'app', ...c }, env, node), re);
});
