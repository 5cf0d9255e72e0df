import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gceMetadataBase, metadataGet, metadataText } from './metadata-http.js';

test('metadata GETs: the header is sent; failures name the service and quote its error, never a body that worked', async (t) => {
  const seen: unknown[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers['metadata']);
    const reply: Record<string, [number, string]> = {
      '/ok': [200, '{"access_token":"secret-token"}'],
      '/text': [200, 'plain'],
      '/json-error': [400, '{"error":"invalid_request","error_description":"Identity not found"}'],
      '/text-error': [403, 'Missing Metadata-Flavor:Google header.'],
      '/empty-error': [500, ''],
      '/redirect': [302, ''],
    };
    const [status, body] = reply[req.url ?? ''] ?? [404, 'Not Found'];
    res.writeHead(status, status === 302 ? { Location: '/ok' } : {}).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const h = { Metadata: 'true' };
  assert.deepEqual(await metadataGet(`${base}/ok`, h, 'IMDS'), { access_token: 'secret-token' });
  assert.equal(seen[0], 'true');
  assert.equal(await metadataText(`${base}/text`, h, 'IMDS'), 'plain');
  const cases: Array<[string, RegExp]> = [
    ['/text', /^IMDS: the answer is not JSON$/],
    ['/json-error', /^IMDS: HTTP 400: invalid_request: Identity not found$/],
    ['/text-error', /^IMDS: HTTP 403: Missing Metadata-Flavor:Google header\.$/],
    ['/empty-error', /^IMDS: HTTP 500$/],
    ['/redirect', /^IMDS: /],
  ];
  for (const [path, want] of cases) {
    await assert.rejects(metadataGet(`${base}${path}`, h, 'IMDS'), (e: Error) => {
      assert.match(e.message, want, path);
      assert.doesNotMatch(e.message, /secret-token/, 'a redirect is not followed to a body holding a token');
      return true;
    });
  }
});

test('the GCE metadata host comes from GCE_METADATA_HOST, else the well-known name', () => {
  assert.equal(gceMetadataBase({}), 'http://metadata.google.internal');
  assert.equal(gceMetadataBase({ GCE_METADATA_HOST: '127.0.0.1:8080' }), 'http://127.0.0.1:8080');
});
