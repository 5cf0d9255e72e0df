import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, parseConfig, parseConfigFile } from './config.js';

const GOOD_HCL = `
# Ward server config
storage "sqlite" {
  path = "/var/lib/ward/ward.db"
}

listener "tcp" {
  address         = "0.0.0.0:8200"
  tls_cert_file   = "/etc/ward/tls.crt"
  tls_key_file    = "/etc/ward/tls.key"
  tls_min_version = "tls13"
  max_request_size = 1048576
}

listener "tcp" {
  address     = "127.0.0.1:8201"
  tls_disable = "true"
}

api_addr          = "https://ward.example:8200"
cluster_name      = "prod"
disable_mlock     = true
default_lease_ttl = "1h"
max_lease_ttl     = "24h"
log_level         = "debug"
ui                = true
cache_size        = 5000
`;

function fails(text: string, file: string, pattern: RegExp): void {
  assert.throws(
    () => parseConfig(text, file),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError, String(e));
      assert.match(e.message, pattern);
      return true;
    },
  );
}

describe('parseConfig', () => {
  it('reads a full HCL file', () => {
    const c = parseConfig(GOOD_HCL, 'ward.hcl');
    assert.deepEqual(c.storage, { type: 'sqlite', path: '/var/lib/ward/ward.db' });
    assert.deepEqual(c.listeners, [
      { address: '0.0.0.0:8200', tlsDisable: false, tlsCertFile: '/etc/ward/tls.crt', tlsKeyFile: '/etc/ward/tls.key', tlsMinVersion: 'tls13', maxRequestSize: 1048576 },
      { address: '127.0.0.1:8201', tlsDisable: true },
    ]);
    assert.equal(c.apiAddr, 'https://ward.example:8200');
    assert.equal(c.clusterName, 'prod');
    assert.equal(c.disableMlock, true);
    assert.equal(c.defaultLeaseTtl, 3600);
    assert.equal(c.maxLeaseTtl, 86400);
    assert.equal(c.logLevel, 'debug');
    assert.equal(c.allowRoot, false);
    assert.equal(c.cacheSize, 5000);
  });

  it('applies defaults', () => {
    const c = parseConfig('storage "inmem" {}\nlistener "tcp" { tls_disable = true }\n', 'min.hcl');
    assert.deepEqual(c.storage, { type: 'inmem' });
    assert.deepEqual(c.listeners, [{ address: '127.0.0.1:8200', tlsDisable: true }]);
    assert.equal(c.defaultLeaseTtl, 768 * 3600);
    assert.equal(c.maxLeaseTtl, 768 * 3600);
    assert.equal(c.logLevel, 'info');
    assert.equal(c.apiAddr, undefined);
    assert.equal(c.cacheSize, 131072, "Vault's default cache_size");
    assert.equal(parseConfig('storage "inmem" {}\ncache_size = 100\ndisable_cache = true\n', 'c.hcl').cacheSize, 0);
  });

  it('reads JSON by extension or leading brace', () => {
    const json = JSON.stringify({ storage: { sqlite: { path: 'x.db' } }, listener: [{ tcp: { address: ':8200', tls_disable: true } }], default_lease_ttl: 60, max_lease_ttl: '2m' }, null, 2);
    for (const name of ['ward.json', 'ward.conf']) {
      const c = parseConfig(json, name);
      assert.deepEqual(c.storage, { type: 'sqlite', path: 'x.db' });
      assert.equal(c.listeners[0]?.address, ':8200');
      assert.equal(c.defaultLeaseTtl, 60);
      assert.equal(c.maxLeaseTtl, 120);
    }
  });

  it('names file:line for HCL syntax errors', () => {
    fails('storage "inmem" {}\nlistener "tcp" {\n  address = = 1\n}\n', 'bad.hcl', /^bad\.hcl:3:13: Unknown token/);
    fails('storage "inmem" {\n', 'bad.hcl', /^bad\.hcl:\d+:\d+: object expected closing RBRACE/);
  });

  it('names file:line for JSON syntax errors', () => {
    fails('{\n  "storage": {"inmem": {}},\n  "ui": \n}\n', 'bad.json', /^bad\.json:4: invalid JSON/);
    fails('{\n  "storage": {"inmem": {}},\n  "ui": true,\n}', 'bad.json', /^bad\.json:4: /);
  });

  it('rejects unknown stanzas and keys with their line', () => {
    fails('storage "inmem" {}\n\nseal "awskms" {\n  region = "x"\n}\n', 'c.hcl', /^c\.hcl:3: unknown seal type "awskms"/);
    fails('storage "inmem" {}\nlistener "tcp" {\n  tls_disable = true\n  proxy_protocol_behavior = "use_always"\n}\n', 'c.hcl', /^c\.hcl:4: unknown key "proxy_protocol_behavior"/);
    fails('storage "sqlite" {\n  path = "x"\n  journal = "wal"\n}\n', 'c.hcl', /^c\.hcl:3: unknown key "journal"/);
    fails('storage "inmem" {}\nlistener "tcp" { tls_disable = true }\nlistener "unix" { address = "/run/x" }\n', 'c.hcl', /^c\.hcl:3: unknown listener type "unix"/);
  });

  it('rejects unknown storage types and missing or duplicate storage', () => {
    fails('\nstorage "consul" {\n  address = "x"\n}\n', 'c.hcl', /^c\.hcl:2: unknown storage type "consul"/);
    fails('ui = true\n', 'c.hcl', /^c\.hcl: a storage stanza is required/);
    fails('storage "inmem" {}\nstorage "inmem" {}\n', 'c.hcl', /^c\.hcl:2: only one storage stanza/);
    fails('storage "sqlite" {}\n', 'c.hcl', /requires a path/);
  });

  it('rejects wrong value types', () => {
    fails('storage "inmem" {}\ndisable_mlock = "perhaps"\n', 'c.hcl', /^c\.hcl:2: disable_mlock must be a boolean/);
    fails('storage "inmem" {}\n\napi_addr = 8200\n', 'c.hcl', /^c\.hcl:3: api_addr must be a string/);
    fails('storage "inmem" {}\ndefault_lease_ttl = "forever"\n', 'c.hcl', /^c\.hcl:2: default_lease_ttl must be a duration/);
    fails('storage "inmem" {}\nlog_level = "loud"\n', 'c.hcl', /^c\.hcl:2: invalid log_level "loud"/);
    fails('storage "inmem" {}\nlistener "tcp" {\n  tls_disable = true\n  max_request_size = "big"\n}\n', 'c.hcl', /^c\.hcl:4: max_request_size must be an integer/);
    fails('storage "inmem" {}\ndefault_lease_ttl = "2h"\nmax_lease_ttl = "1h"\n', 'c.hcl', /cannot be greater than max_lease_ttl/);
    fails('storage "inmem" {}\ncache_size = -1\n', 'c.hcl', /^c\.hcl:2: cache_size must not be negative/);
    fails('storage "inmem" {}\ndisable_cache = "sometimes"\n', 'c.hcl', /^c\.hcl:2: disable_cache must be a boolean/);
  });

  it('rejects TLS below 1.2 and TLS listeners without files', () => {
    fails('storage "inmem" {}\nlistener "tcp" {\n  tls_cert_file = "a"\n  tls_key_file = "b"\n  tls_min_version = "tls11"\n}\n', 'c.hcl', /^c\.hcl:5: tls_min_version "tls11" is not allowed/);
    fails('storage "inmem" {}\nlistener "tcp" {\n  tls_min_version = "tls10"\n}\n', 'c.hcl', /tls10/);
    fails('storage "inmem" {}\n\nlistener "tcp" {\n  address = "0.0.0.0:8200"\n}\n', 'c.hcl', /^c\.hcl:3: listener "tcp" needs tls_cert_file/);
    fails('storage "inmem" {}\nlistener "tcp" {\n  tls_disable = 1\n  address = "nohost"\n}\n', 'c.hcl', /^c\.hcl:4: invalid listener address/);
  });
});

describe('parseConfigFile', () => {
  it('reads from disk and reports unreadable files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ward-cfg-'));
    try {
      const p = join(dir, 'ward.hcl');
      writeFileSync(p, 'storage "inmem" {}\nallow_root = true\n');
      assert.equal(parseConfigFile(p).allowRoot, true);
      assert.throws(() => parseConfigFile(join(dir, 'missing.hcl')), /missing\.hcl: cannot read config file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
