import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../sdk/logical.js';
import { InmemHaEngine } from '../storage/inmem/inmem-ha.js';
import { InmemPhysical } from '../storage/inmem/inmem-physical.js';
import type { WardCore } from '../core/core.js';
import { parseConfig } from './config.js';
import { configuredApiAddr, defaultClusterAddress, setUpHa } from './cluster.js';

const noCore = (): WardCore => {
  throw new Error('not called in these tests');
};

test('the default cluster address is the API port + 1', () => {
  assert.equal(defaultClusterAddress('0.0.0.0:8200'), '0.0.0.0:8201');
  assert.equal(defaultClusterAddress('[::1]:8200'), '[::1]:8201');
  assert.equal(defaultClusterAddress('127.0.0.1:0'), '127.0.0.1:0');
});

test('configuredApiAddr: WARD_API_ADDR, VAULT_API_ADDR, VAULT_REDIRECT_ADDR, VAULT_ADVERTISE_ADDR, then api_addr; none: undefined', () => {
  const withAddr = parseConfig('storage "inmem" {}\nlistener "tcp" {\n  address = "127.0.0.1:8200"\n  tls_disable = true\n}\napi_addr = "https://file.example:8200"\n', 'w.hcl');
  const { apiAddr: _, ...without } = withAddr;
  const cases: [string, NodeJS.ProcessEnv, boolean, string | undefined][] = [
    ['file', {}, true, 'https://file.example:8200'],
    ['nothing', {}, false, undefined],
    ['empty env ignored', { VAULT_API_ADDR: '' }, true, 'https://file.example:8200'],
    ['VAULT_API_ADDR over the file', { VAULT_API_ADDR: 'https://env.example' }, true, 'https://env.example'],
    ['WARD_API_ADDR first', { VAULT_API_ADDR: 'https://env.example', WARD_API_ADDR: 'https://ward.example' }, true, 'https://ward.example'],
    ['VAULT_ADVERTISE_ADDR last', { VAULT_ADVERTISE_ADDR: 'https://adv.example' }, false, 'https://adv.example'],
  ];
  for (const [name, env, file, want] of cases) assert.equal(configuredApiAddr(file ? withAddr : without, env), want, name);
});

test('HA is off on a store that cannot elect', async () => {
  const cfg = parseConfig('storage "inmem" {}\nlistener "tcp" {\n  address = "127.0.0.1:0"\n  tls_disable = true\n}\n', 'w.hcl');
  const ha = await setUpHa(cfg, new InmemPhysical(), null, noCore, silentLogger);
  assert.equal(ha.options, undefined);
});

test('with an electing store: api_addr, a cluster listener, and cluster_addr on the api_addr host', async () => {
  const cfg = parseConfig('storage "inmem" {}\nlistener "tcp" {\n  address = "127.0.0.1:0"\n  tls_disable = true\n}\napi_addr = "http://localhost:8200"\n', 'w.hcl');
  const ha = await setUpHa(cfg, InmemPhysical.shared(new InmemHaEngine()), null, noCore, silentLogger);
  try {
    assert.equal(ha.options?.apiAddr, 'http://localhost:8200');
    assert.match(ha.options?.clusterAddr ?? '', /^https:\/\/localhost:\d+$/);
    assert.notEqual(ha.options?.clusterAddr, 'https://localhost:0');
    assert.ok(ha.options?.clusterListener);
    assert.equal(ha.options?.backend, undefined, 'the data store elects itself');
  } finally {
    await ha.close();
  }
});

test('disable_clustering: no cluster listener, no cluster_addr; ha_storage without HA is an error naming it', async () => {
  const cfg = parseConfig('storage "inmem" {}\nlistener "tcp" {\n  address = "127.0.0.1:0"\n  tls_disable = true\n}\ndisable_clustering = true\n', 'w.hcl');
  const ha = await setUpHa(cfg, InmemPhysical.shared(new InmemHaEngine()), null, noCore, silentLogger);
  assert.equal(ha.options?.clusterAddr, '');
  assert.equal(ha.options?.clusterListener, null);
  await assert.rejects(setUpHa(cfg, new InmemPhysical(), new InmemPhysical(), noCore, silentLogger), /ha_storage "inmem" has high availability turned off/);
  const elsewhere = InmemPhysical.shared(new InmemHaEngine());
  const split = await setUpHa(cfg, new InmemPhysical(), elsewhere, noCore, silentLogger);
  assert.equal(split.options?.backend, elsewhere.ha);
  await split.close();
});

test('VAULT_API_ADDR and VAULT_CLUSTER_ADDR (WARD_* win) override the config, as in a Kubernetes pod spec', async () => {
  const cfg = parseConfig('storage "inmem" {}\nlistener "tcp" {\n  address = "127.0.0.1:0"\n  tls_disable = true\n}\napi_addr = "http://from-config:8200"\ncluster_addr = "https://from-config:8201"\n', 'w.hcl');
  const run = async (env: NodeJS.ProcessEnv) => {
    const ha = await setUpHa(cfg, InmemPhysical.shared(new InmemHaEngine()), null, noCore, silentLogger, env);
    await ha.close();
    return [ha.options?.apiAddr, ha.options?.clusterAddr];
  };
  assert.deepEqual(await run({}), ['http://from-config:8200', 'https://from-config:8201']);
  assert.deepEqual(await run({ VAULT_API_ADDR: 'http://10.0.0.5:8200', VAULT_CLUSTER_ADDR: 'https://10.0.0.5:8201' }), ['http://10.0.0.5:8200', 'https://10.0.0.5:8201']);
  assert.deepEqual(await run({ VAULT_REDIRECT_ADDR: 'http://r:8200' }), ['http://r:8200', 'https://from-config:8201']);
  assert.deepEqual(await run({ VAULT_API_ADDR: 'http://v:8200', WARD_API_ADDR: 'http://w:8200', WARD_CLUSTER_ADDR: 'https://w:8201' }), ['http://w:8200', 'https://w:8201']);
});
