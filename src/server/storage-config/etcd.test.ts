import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { ConfigError, parseConfig } from '../config.js';
import type { EtcdStorageConfig } from './etcd.js';

const ENV = ['ETCD_ADDR', 'ETCD_API', 'ETCD_HA_ENABLED', 'ETCD_USERNAME', 'ETCD_PASSWORD'] as const;

function etcd(body: string, file = 'ward.hcl'): EtcdStorageConfig {
  const c = parseConfig(`storage "etcd" {\n${body}\n}\n`, file).storage;
  assert.equal(c.type, 'etcd');
  return c as EtcdStorageConfig;
}

function fails(body: string, pattern: RegExp): void {
  assert.throws(() => etcd(body), (e: unknown) => {
    assert.ok(e instanceof ConfigError, String(e));
    assert.match(e.message, pattern);
    return true;
  });
}

describe('storage "etcd" config', () => {
  afterEach(() => {
    for (const k of ENV) delete process.env[k];
  });

  it('defaults are Vault\'s: local etcd, /vault/, sync, 15s lock, 5s requests, no HA', () => {
    assert.deepEqual(etcd(''), {
      type: 'etcd',
      address: ['http://127.0.0.1:2379'],
      path: '/vault/',
      haEnabled: false,
      sync: true,
      lockTimeoutSeconds: 15,
      requestTimeoutMs: 5000,
    });
  });

  it('reads every key', () => {
    const c = etcd(`
  address          = "https://e1:2379,https://e2:2379"
  etcd_api         = "v3"
  path             = "ward"
  ha_enabled       = "true"
  sync             = false
  tls_ca_file      = "/etc/ward/etcd-ca.pem"
  tls_cert_file    = "/etc/ward/etcd.pem"
  tls_key_file     = "/etc/ward/etcd-key.pem"
  tls_server_name  = "etcd.internal"
  username         = "ward"
  password         = "s3cret"
  lock_timeout     = "30s"
  request_timeout  = 10
  max_receive_size = 8388608`);
    assert.deepEqual(c, {
      type: 'etcd',
      address: ['https://e1:2379', 'https://e2:2379'],
      path: '/ward/',
      haEnabled: true,
      sync: false,
      tlsCaFile: '/etc/ward/etcd-ca.pem',
      tlsCertFile: '/etc/ward/etcd.pem',
      tlsKeyFile: '/etc/ward/etcd-key.pem',
      tlsServerName: 'etcd.internal',
      username: 'ward',
      password: 's3cret',
      lockTimeoutSeconds: 30,
      requestTimeoutMs: 10_000,
      maxReceiveSize: 8388608,
    });
  });

  it('environment variables win over the file, as in Vault', () => {
    process.env.ETCD_ADDR = 'http://10.0.0.1:2379,http://10.0.0.2:2379';
    process.env.ETCD_HA_ENABLED = 'true';
    process.env.ETCD_USERNAME = 'envuser';
    process.env.ETCD_PASSWORD = 'envpass';
    const c = etcd('  address = "http://ignored:2379"\n  ha_enabled = false');
    assert.deepEqual(c.address, ['http://10.0.0.1:2379', 'http://10.0.0.2:2379']);
    assert.equal(c.haEnabled, true);
    assert.equal(c.username, 'envuser');
    assert.equal(c.password, 'envpass');
  });

  it('refuses the v2 API with a clear error naming the line', () => {
    fails('  path = "/x/"\n  etcd_api = "v2"', /^ward\.hcl:3: etcd_api "v2" is not supported: Ward speaks only etcd's v3 API/);
    fails('  etcd_api = "v9"', /^ward\.hcl:2: etcd_api must be "v3"/);
    process.env.ETCD_API = 'v2';
    fails('', /ETCD_API "v2" is not supported/);
  });

  it('refuses bad values with file:line', () => {
    fails('  address = "127.0.0.1:2379"', /^ward\.hcl:2: address must be a comma-separated list of http:\/\/ or https:\/\/ URLs/);
    fails('  address = ""', /^ward\.hcl:2: address must be/);
    fails('  address = "http://u:p@e1:2379"', /^ward\.hcl:2: address must be/);
    fails('  lock_timeout = "0s"', /^ward\.hcl:2: lock_timeout must be at least 1s/);
    fails('  lock_timeout = "soon"', /^ward\.hcl:2: lock_timeout must be a duration/);
    fails('  request_timeout = "0"', /^ward\.hcl:2: request_timeout must be at least 1s/);
    fails('  max_receive_size = -1', /^ward\.hcl:2: max_receive_size must be between 1 and 2147483647/);
    fails('  max_receive_size = "lots"', /^ward\.hcl:2: max_receive_size must be an integer/);
    fails('  sync = "maybe"', /^ward\.hcl:2: sync must be a boolean/);
    fails('  tls_cert_file = "/c.pem"', /^ward\.hcl:2: tls_cert_file and tls_key_file must be given together/);
    fails('  username = "ward"', /^ward\.hcl:2: username and password must be given together/);
    fails('  discovery_srv = "example.com"', /^ward\.hcl:2: discovery_srv is not supported: list the etcd members in address/);
    fails('\n  path = "/v/"\n  consistency = "strong"', /^ward\.hcl:4: unknown key "consistency" in storage "etcd"/);
  });

  it('never echoes the password in an error', () => {
    assert.throws(() => etcd('  password = "hunter2-secret"'), (e: Error) => !e.message.includes('hunter2') && /username and password/.test(e.message));
  });
});
