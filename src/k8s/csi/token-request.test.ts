import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeCa } from '../../../test/helpers/test-ca.js';
import { InClusterTokenRequester } from './token-request.js';

const POD = { name: 'web-0', namespace: 'app', uid: 'pod-uid', serviceAccount: 'web' };

/** An HTTPS stand-in for the API server's TokenRequest endpoint; records what it was sent. */
async function apiServer(t: { after(fn: () => unknown): void }, answer: (body: Record<string, unknown>) => { status: number; body: unknown }) {
  const ca = await makeCa('kube-ca', 'ec');
  const cert = await ca.server('kubernetes');
  const seen: { path: string; auth: string; body: Record<string, unknown> }[] = [];
  const srv = createServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      const body = JSON.parse(text) as Record<string, unknown>;
      seen.push({ path: `${req.method} ${req.url}`, auth: String(req.headers.authorization), body });
      const a = answer(body);
      res.writeHead(a.status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(a.body));
    });
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => srv.close(resolve)));
  const d = mkdtempSync(join(tmpdir(), 'ward-csi-tr-'));
  t.after(() => rmSync(d, { recursive: true, force: true }));
  writeFileSync(join(d, 'token'), 'provider-bearer\n');
  writeFileSync(join(d, 'ca.crt'), ca.certPem);
  const url = `https://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  return { seen, requester: new InClusterTokenRequester({ apiUrl: url, tokenFile: join(d, 'token'), caFile: join(d, 'ca.crt') }) };
}

test('TokenRequest: a pod-bound token for the audience, with the provider\'s own bearer', async (t) => {
  const { seen, requester } = await apiServer(t, () => ({ status: 201, body: { kind: 'TokenRequest', status: { token: 'minted-jwt', expirationTimestamp: '2030-01-01T00:00:00Z' } } }));
  assert.equal(await requester.request(POD, 'vault'), 'minted-jwt');
  assert.deepEqual(seen, [
    {
      path: 'POST /api/v1/namespaces/app/serviceaccounts/web/token',
      auth: 'Bearer provider-bearer',
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: ['vault'], expirationSeconds: 900, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web-0', uid: 'pod-uid' } } },
    },
  ]);
  await requester.request(POD, '');
  assert.deepEqual((seen[1]?.body['spec'] as { audiences: string[] }).audiences, [], 'no audience: the API server\'s');
});

test('TokenRequest: a refusal carries the API server\'s message; missing pod identity is named', async (t) => {
  const { requester } = await apiServer(t, () => ({ status: 403, body: { kind: 'Status', message: 'serviceaccounts "web" is forbidden: User "system:serviceaccount:csi:ward" cannot create resource "serviceaccounts/token"' } }));
  await assert.rejects(requester.request(POD, 'vault'), /TokenRequest for app\/web failed: serviceaccounts "web" is forbidden/);
  await assert.rejects(requester.request({ ...POD, uid: '' }, 'vault'), /csi\.storage\.k8s\.io\/pod/);
});

test('fromEnv: only inside a cluster', () => {
  assert.equal(InClusterTokenRequester.fromEnv({}), undefined);
  assert.ok(InClusterTokenRequester.fromEnv({ KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' }));
});
