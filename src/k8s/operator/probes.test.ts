import assert from 'node:assert/strict';
import { test } from 'node:test';
import { listen, parseBindAddress } from './probes.js';

test('bind addresses as controller-runtime takes them', () => {
  assert.deepEqual(parseBindAddress(':8080', 'f'), { host: undefined, port: 8080 });
  assert.deepEqual(parseBindAddress('127.0.0.1:0', 'f'), { host: '127.0.0.1', port: 0 });
  assert.deepEqual(parseBindAddress('[::1]:9', 'f'), { host: '::1', port: 9 });
  assert.equal(parseBindAddress('0', 'f'), undefined);
  for (const bad of ['8080', ':x', 'h:70000']) assert.throws(() => parseBindAddress(bad, 'metrics-bind-address'), { message: `--metrics-bind-address: invalid address ${JSON.stringify(bad)} (want host:port or :port)` });
});

test('/readyz answers 500 until the caches have synced; /healthz is always ok; other paths 404', async (t) => {
  let ready = false;
  const srv = await listen({ host: '127.0.0.1', port: 0 }, { ready: () => ready, metrics: () => 'm 1\n' }, 'health');
  t.after(() => new Promise((r) => srv.close(r)));
  const port = (srv.address() as { port: number }).port;
  const get = async (p: string) => { const r = await fetch(`http://127.0.0.1:${port}${p}`); return [r.status, await r.text()]; };
  assert.deepEqual(await get('/readyz'), [500, 'caches not synced']);
  assert.deepEqual(await get('/healthz'), [200, 'ok']);
  ready = true;
  assert.deepEqual(await get('/readyz'), [200, 'ok']);
  assert.equal((await get('/metrics'))[0], 404, 'metrics live on their own address');
});
