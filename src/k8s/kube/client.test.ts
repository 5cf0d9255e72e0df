import assert from 'node:assert/strict';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { makeCa } from '../../../test/helpers/test-ca.js';
import { KubeClient } from './client.js';

test('requests share kept-alive TLS connections (client-node makes a new agent, so a new handshake, per request)', async (t) => {
  const ca = await makeCa('kube-client-test', 'ec');
  const cert = await ca.server('127.0.0.1');
  let handshakes = 0;
  let requests = 0;
  const srv = createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
    requests++;
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'SecretList', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items: [] }));
  });
  srv.on('secureConnection', () => handshakes++);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  t.after(() => new Promise((r) => { srv.closeAllConnections(); srv.close(r); }));
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: `https://127.0.0.1:${(srv.address() as AddressInfo).port}`, caData: Buffer.from(ca.certPem).toString('base64') }],
    users: [{ name: 'u', token: 'abc' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  const c = new KubeClient(kc);
  for (let i = 0; i < 5; i++) await c.core.listNamespacedSecret({ namespace: 'a' });
  await Promise.all([1, 2, 3].map(() => c.custom.listClusterCustomObject({ group: 'g', version: 'v1', plural: 'xs' })));
  assert.equal(requests, 8);
  assert.ok(handshakes <= 3, `${handshakes} TLS handshakes for 8 requests`);
});
