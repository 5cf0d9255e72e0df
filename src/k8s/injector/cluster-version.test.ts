import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { makeCa } from '../../../test/helpers/test-ca.js';
import { clusterVersion, inClusterAccess, supportsNativeSidecars } from './cluster-version.js';

test('native sidecars from 1.29, suffixes tolerated', () => {
  const cases: [unknown, unknown, boolean][] = [['1', '28', false], ['1', '29', true], ['1', '30+', true], ['2', '0', true], ['1', '', false], [undefined, undefined, false]];
  for (const [major, minor, want] of cases) assert.equal(supportsNativeSidecars({ major, minor }), want, `${String(major)}.${String(minor)}`);
});

test('GET /version with the bearer token over verified TLS', async (t) => {
  const ca = await makeCa('kube-ca', 'ec');
  const cert = await ca.server('kube-apiserver');
  const seen: string[] = [];
  const srv = createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
    seen.push(`${req.url} ${req.headers.authorization}`);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"major":"1","minor":"30","gitVersion":"v1.30.4"}');
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  t.after(() => srv.close());
  const url = `https://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  const v = await clusterVersion({ url, token: 'sa-token', caPem: ca.certPem });
  assert.equal(v.gitVersion, 'v1.30.4');
  assert.deepEqual(seen, ['/version Bearer sa-token']);
  const other = await makeCa('other', 'ec');
  await assert.rejects(clusterVersion({ url, token: 't', caPem: other.certPem }));
});

test('outside a pod there is no in-cluster access', () => {
  assert.equal(inClusterAccess({}), undefined);
  assert.equal(inClusterAccess({ KUBERNETES_SERVICE_HOST: '10.0.0.1' }, '/nonexistent'), undefined);
});
