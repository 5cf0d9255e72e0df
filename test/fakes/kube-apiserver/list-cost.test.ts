import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startFakeKubeApiServer } from './index.js';
import { raw } from './test-client.js';

test('a list page copies the objects it returns, not every stored object', async (t) => {
  const k = await startFakeKubeApiServer();
  t.after(() => k.close());
  const cm = k.registry.lookup('', 'v1', 'configmaps')!;
  for (let i = 0; i < 2000; i++) k.store.create(cm, 'default', { metadata: { name: `cm-${String(i).padStart(4, '0')}`, labels: { n: String(i % 2) } } });
  const real = globalThis.structuredClone;
  let clones = 0;
  globalThis.structuredClone = ((v: unknown, o?: Parameters<typeof structuredClone>[1]) => {
    clones++;
    return real(v, o);
  }) as typeof structuredClone;
  let first: { code: number; body: Record<string, unknown> };
  let second: { code: number; body: Record<string, unknown> };
  try {
    first = await raw(k, 'GET', '/api/v1/namespaces/default/configmaps?limit=5&labelSelector=n%3D1');
    const cont = (first.body['metadata'] as { continue: string }).continue;
    second = await raw(k, 'GET', `/api/v1/namespaces/default/configmaps?limit=5&labelSelector=n%3D1&continue=${encodeURIComponent(cont)}`);
  } finally {
    globalThis.structuredClone = real;
  }
  const names = (r: typeof first) => (r.body['items'] as Array<{ metadata: { name: string } }>).map((o) => o.metadata.name);
  assert.deepEqual(names(first), ['cm-0001', 'cm-0003', 'cm-0005', 'cm-0007', 'cm-0009']);
  assert.deepEqual(names(second), ['cm-0011', 'cm-0013', 'cm-0015', 'cm-0017', 'cm-0019']);
  assert.equal((first.body['metadata'] as { remainingItemCount: number }).remainingItemCount, 995);
  assert.equal((second.body['metadata'] as { remainingItemCount: number }).remainingItemCount, 990);
  assert.ok(clones <= 40, `${clones} object copies for two pages of 5`);
});
