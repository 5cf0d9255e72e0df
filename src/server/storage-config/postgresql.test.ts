import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../config.js';

const ENV_KEYS = ['VAULT_PG_CONNECTION_URL', 'WARD_PG_CONNECTION_URL'] as const;

/** Runs `fn` with the connection-URL environment variables set as given (and restored after). */
function withEnv<T>(vars: Partial<Record<(typeof ENV_KEYS)[number], string>>, fn: () => T): T {
  const saved = ENV_KEYS.map((k) => [k, process.env[k]] as const);
  for (const k of ENV_KEYS) delete process.env[k];
  Object.assign(process.env, vars);
  try {
    return fn();
  } finally {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

const parse = (text: string, env = {}) => withEnv(env, () => parseConfig(text, 'ward.hcl').storage);
const fails = (text: string, re: RegExp, env = {}) => assert.throws(() => parse(text, env), (e: Error) => (assert.match(e.message, re), true));

describe('storage "postgresql" stanza', () => {
  it('takes Vault\'s keys, with Vault\'s defaults', () => {
    assert.deepEqual(parse('storage "postgresql" {\n  connection_url = "postgres://u:p@db:5432/vault"\n}\n'), {
      type: 'postgresql',
      connectionUrl: 'postgres://u:p@db:5432/vault',
      table: 'vault_kv_store',
      haEnabled: false,
      haTable: 'vault_ha_locks',
      maxParallel: 128,
      skipCreateTable: false,
      lockTtlMs: 15_000,
    });
    // Vault's docs write every value as a string; both forms are accepted.
    const full = parse(
      [
        'storage "postgresql" {',
        '  connection_url       = "postgres://u:p@db/vault"',
        '  table                = "kv"',
        '  ha_enabled           = "true"',
        '  ha_table             = "locks"',
        '  max_parallel         = "16"',
        '  max_idle_connections = 4',
        '  skip_create_table    = true',
        '  lock_timeout         = "5s"',
        '}',
        '',
      ].join('\n'),
    );
    assert.deepEqual(full, {
      type: 'postgresql',
      connectionUrl: 'postgres://u:p@db/vault',
      table: 'kv',
      haEnabled: true,
      haTable: 'locks',
      maxParallel: 16,
      maxIdleConnections: 4,
      skipCreateTable: true,
      lockTtlMs: 5000,
    });
  });

  it('VAULT_PG_CONNECTION_URL wins over connection_url, as in Vault (and WARD_PG_CONNECTION_URL over both)', () => {
    const text = 'storage "postgresql" {\n  connection_url = "postgres://file/x"\n}\n';
    assert.equal((parse(text, { VAULT_PG_CONNECTION_URL: 'postgres://env/x' }) as unknown as { connectionUrl: string }).connectionUrl, 'postgres://env/x');
    assert.equal((parse(text, { VAULT_PG_CONNECTION_URL: 'postgres://env/x', WARD_PG_CONNECTION_URL: 'postgres://ward/x' }) as unknown as { connectionUrl: string }).connectionUrl, 'postgres://ward/x');
    assert.equal((parse('storage "postgresql" {}\n', { VAULT_PG_CONNECTION_URL: 'postgres://env/x' }) as unknown as { connectionUrl: string }).connectionUrl, 'postgres://env/x');
  });

  it('names file:line for unknown keys, bad types and missing connection_url', () => {
    fails('listener "tcp" { tls_disable = true }\nstorage "postgresql" {\n  connection_url = "postgres://x/y"\n  max_open_connections = 3\n}\n', /^ward\.hcl:4: unknown key "max_open_connections" in storage "postgresql"/);
    fails('\nstorage "postgresql" {\n  table = "kv"\n}\n', /^ward\.hcl:2: storage "postgresql" requires connection_url \(or the VAULT_PG_CONNECTION_URL environment variable\)/);
    fails('storage "postgresql" {\n  connection_url = "postgres://x/y"\n  ha_enabled = "yes please"\n}\n', /^ward\.hcl:3: ha_enabled must be a boolean/);
    fails('storage "postgresql" {\n  connection_url = "postgres://x/y"\n  max_parallel = 0\n}\n', /^ward\.hcl:3: max_parallel must be at least 1/);
    fails('storage "postgresql" {\n  connection_url = "postgres://x/y"\n\n  max_parallel = "lots"\n}\n', /^ward\.hcl:4: max_parallel must be an integer/);
    fails('storage "postgresql" {\n  connection_url = "postgres://x/y"\n  table = ""\n}\n', /^ward\.hcl:3: table must not be empty/);
    fails('storage "postgresql" {\n  connection_url = "postgres://x/y"\n  lock_timeout = "soon"\n}\n', /^ward\.hcl:3: lock_timeout must be a duration/);
    fails('storage "postgresql" {\n  connection_url = "postgres://x/y"\n  lock_timeout = "0s"\n}\n', /^ward\.hcl:3: lock_timeout must be at least 1s/);
    fails('storage "postgresql" {\n  connection_url = 5432\n}\n', /^ward\.hcl:2: connection_url must be a string/);
  });

  it('never puts the password in an error', () => {
    fails('storage "postgresql" {\n  connection_url = "postgres://u:hunter2@db/x"\n  bogus = 1\n}\n', /^(?!.*hunter2)/s);
  });
});
