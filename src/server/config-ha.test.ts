import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from './config.js';

const BASE = `storage "inmem" {}
listener "tcp" {
  address         = "127.0.0.1:8200"
  cluster_address = "127.0.0.1:9201"
  tls_disable     = true
}
api_addr = "http://ward-1.example:8200"
`;

function fails(text: string, pattern: RegExp): void {
  assert.throws(() => parseConfig(text, 'ward.hcl'), (e: Error) => {
    assert.match(e.message, pattern);
    return true;
  });
}

test('cluster_addr, disable_clustering and the listener cluster_address are read', () => {
  const c = parseConfig(`${BASE}cluster_addr = "https://ward-1.example:9201"\ndisable_clustering = false\n`, 'ward.hcl');
  assert.equal(c.ha.clusterAddr, 'https://ward-1.example:9201');
  assert.equal(c.ha.disableClustering, false);
  assert.equal(c.listeners[0]?.clusterAddress, '127.0.0.1:9201');
  assert.equal(parseConfig(`${BASE}disable_clustering = true\n`, 'ward.hcl').ha.disableClustering, true);
  assert.equal(parseConfig(BASE, 'ward.hcl').ha.clusterAddr, undefined);
});

test('bad HA settings are file:line errors', () => {
  fails(`${BASE}cluster_addr = "ward-1:9201"\n`, /^ward\.hcl:8: cluster_addr must be a URL such as "https:\/\/ward-1\.example:8201"/);
  fails(`${BASE}disable_clustering = "maybe"\n`, /^ward\.hcl:8: disable_clustering must be a boolean/);
  fails(BASE.replace('127.0.0.1:9201', 'nowhere'), /^ward\.hcl:4: /);
});

test('ha_enabled on SQLite or in-memory storage says they cannot elect an active node', () => {
  fails('storage "sqlite" {\n  path = "/tmp/x.db"\n  ha_enabled = "true"\n}\n', /^ward\.hcl:3: storage "sqlite" does not support high availability \(ha_enabled\): use postgresql or etcd/);
  fails('storage "inmem" {\n  ha_enabled = true\n}\n', /^ward\.hcl:2: storage "inmem" does not support high availability/);
});

test('an ha_storage stanza on an engine without HA is refused', () => {
  fails(`${BASE}ha_storage "sqlite" {\n  path = "/tmp/ha.db"\n}\n`, /^ward\.hcl:8: ha_storage "sqlite" does not support high availability: use postgresql or etcd/);
  fails(`${BASE}ha_storage "inmem" {}\nha_storage "inmem" {}\n`, /only one ha_storage stanza is allowed/);
});

test('performance_standby is read; a non-boolean or a store without a change stream is a file:line error', () => {
  assert.equal(parseConfig(`${BASE}performance_standby = true\n`.replace('storage "inmem" {}', 'storage "etcd" {\n  ha_enabled = "true"\n}'), 'ward.hcl').ha.performanceStandby, true);
  assert.equal(parseConfig(BASE, 'ward.hcl').ha.performanceStandby, undefined);
  fails(`${BASE}performance_standby = "maybe"\n`, /^ward\.hcl:8: performance_standby must be a boolean/);
  fails(`${BASE}performance_standby = true\n`, /^ward\.hcl:8: performance_standby needs a storage backend with a change stream \(etcd or postgresql\), not "inmem"/);
  const pg = BASE.replace('storage "inmem" {}', 'storage "postgresql" {\n  connection_url = "postgres://ward@db/ward"\n}');
  fails(`${pg}performance_standby = true\n`, /^ward\.hcl:10: performance_standby on postgresql needs ha_enabled = "true" in the storage stanza/);
  assert.equal(parseConfig(`${pg.replace('ward"\n}', 'ward"\n  ha_enabled = "true"\n}')}performance_standby = true\n`, 'ward.hcl').ha.performanceStandby, true);
});
