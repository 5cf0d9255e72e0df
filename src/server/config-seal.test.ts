import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseConfig } from './config.js';

const STORAGE = 'storage "inmem" {}\n';
const parse = (text: string) => parseConfig(STORAGE + text, 'c.hcl');
const fails = (text: string, re: RegExp) =>
  assert.throws(() => parse(text), (e: Error) => {
    assert.match(e.message, re);
    return true;
  });

/** Runs `fn` with env vars set, restoring them afterwards. */
function withEnv<T>(vars: Record<string, string>, fn: () => T): T {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    return fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

const TRANSIT = `seal "transit" {
  address    = "https://provider:8200"
  token      = "hvs.seal"
  key_name   = "autounseal"
  mount_path = "transit/"
}
`;

describe('seal stanza', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ward-seal-cfg-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('no stanza: Shamir', () => {
    assert.deepEqual(parse('').seal, { type: 'shamir' });
  });

  it('transit: Vault keys, mount path without slashes, renewal on by default', () => {
    assert.deepEqual(parse(TRANSIT).seal, {
      type: 'transit', address: 'https://provider:8200', token: 'hvs.seal', keyName: 'autounseal', mountPath: 'transit', disableRenewal: false, tlsSkipVerify: false,
    });
    const tls = parse(TRANSIT.replace('}\n', '  namespace = "ns1/"\n  disable_renewal = "true"\n  tls_ca_cert = "/ca.pem"\n  tls_client_cert = "/c.pem"\n  tls_client_key = "/k.pem"\n  tls_server_name = "vault"\n  tls_skip_verify = "false"\n}\n')).seal;
    assert.equal(tls.type, 'transit');
    assert.deepEqual(tls.type === 'transit' && [tls.namespace, tls.disableRenewal, tls.tlsCaCert, tls.tlsClientCert, tls.tlsClientKey, tls.tlsServerName, tls.tlsSkipVerify], ['ns1/', true, '/ca.pem', '/c.pem', '/k.pem', 'vault', false]);
  });

  it('transit: env wins for key_name/mount_path/namespace/disable_renewal, the file wins for address and token', () => {
    const cfg = withEnv(
      { VAULT_TRANSIT_SEAL_KEY_NAME: 'envkey', VAULT_TRANSIT_SEAL_MOUNT_PATH: 'envtransit/', VAULT_NAMESPACE: 'envns', VAULT_TRANSIT_SEAL_DISABLE_RENEWAL: 'true', VAULT_ADDR: 'http://env:1', VAULT_TOKEN: 'hvs.env', VAULT_CACERT: '/env-ca.pem' },
      () => parse(TRANSIT).seal,
    );
    assert.ok(cfg.type === 'transit');
    assert.deepEqual([cfg.keyName, cfg.mountPath, cfg.namespace, cfg.disableRenewal, cfg.address, cfg.token, cfg.tlsCaCert], ['envkey', 'envtransit', 'envns', true, 'https://provider:8200', 'hvs.seal', '/env-ca.pem']);
    // Address and token may come from the environment alone.
    const bare = withEnv({ VAULT_ADDR: 'http://env:1', VAULT_TOKEN: 'hvs.env' }, () => parse('seal "transit" {\n  key_name = "k"\n  mount_path = "transit"\n}\n').seal);
    assert.ok(bare.type === 'transit' && bare.address === 'http://env:1' && bare.token === 'hvs.env');
  });

  it('transit: missing key_name, unknown keys and bad booleans are file:line errors', () => {
    withEnv({ VAULT_TRANSIT_SEAL_KEY_NAME: '' }, () => fails('seal "transit" {\n  address = "http://x"\n  token = "t"\n  mount_path = "transit"\n}\n', /^c\.hcl:2: seal "transit": key_name is required/));
    fails(TRANSIT.replace('}\n', '  region = "x"\n}\n'), /^c\.hcl:7: seal "transit": unknown key "region"/);
    withEnv({ VAULT_TOKEN: '' }, () => fails('seal "transit" {\n  address = "http://x"\n  key_name = "k"\n  mount_path = "transit"\n}\n', /^c\.hcl:2: seal "transit": token is required \(or VAULT_TOKEN\)/));
    fails(TRANSIT.replace('}\n', '  tls_skip_verify = "maybe"\n}\n'), /^c\.hcl:7: tls_skip_verify must be a boolean/);
  });

  it('static: hex, base64, env:// and file:// (raw 32 bytes or text) keys', () => {
    const key = randomBytes(32);
    const withKey = (v: string) => parse(`seal "static" {\n  current_key_id = "20260101-1"\n  current_key = "${v}"\n}\n`).seal;
    for (const v of [key.toString('hex'), key.toString('base64')]) {
      assert.deepEqual(withKey(v), { type: 'static', currentKeyId: '20260101-1', currentKey: key });
    }
    const raw = join(dir, 'raw.key');
    writeFileSync(raw, key);
    const text = join(dir, 'text.key');
    writeFileSync(text, `${key.toString('base64')}\n`);
    for (const v of [`file://${raw}`, `file://${text}`]) assert.deepEqual(withKey(v), { type: 'static', currentKeyId: '20260101-1', currentKey: key });
    assert.deepEqual(withEnv({ WARD_TEST_SEAL_KEY: key.toString('hex') }, () => withKey('env://WARD_TEST_SEAL_KEY')), { type: 'static', currentKeyId: '20260101-1', currentKey: key });
  });

  it('static: bad keys are file:line errors that never echo the key', () => {
    const short = randomBytes(16).toString('hex');
    assert.throws(() => parse(`seal "static" {\n  current_key_id = "a"\n  current_key = "${short}"\n}\n`), (e: Error) => /^c\.hcl:4: seal "static": current_key must be a 32-byte key/.test(e.message) && !e.message.includes(short));
    fails('seal "static" {\n  current_key_id = "a"\n  current_key = "env://WARD_TEST_NO_SUCH_VAR"\n}\n', /^c\.hcl:4: seal "static": current_key: environment variable WARD_TEST_NO_SUCH_VAR is not set/);
    fails('seal "static" {\n  current_key_id = "a"\n  current_key = "file:///no/such/file"\n}\n', /^c\.hcl:4: seal "static": current_key: cannot read \/no\/such\/file/);
    fails(`seal "static" {\n  current_key = "${randomBytes(32).toString('hex')}"\n}\n`, /^c\.hcl:2: seal "static": current_key_id is required/);
    fails(`seal "static" {\n  current_key_id = "a"\n  current_key = "${randomBytes(32).toString('hex')}"\n  previous_key_id = "b"\n}\n`, /previous_key_id and previous_key go together/);
  });

  it('migration: the new seal plus the old one disabled; a disabled seal alone means back to Shamir', () => {
    const key = randomBytes(32).toString('hex');
    const stat = `seal "static" {\n  current_key_id = "a"\n  current_key = "${key}"\n}\n`;
    const disabledTransit = TRANSIT.replace('}\n', '  disabled = "true"\n}\n');
    const both = parse(stat + disabledTransit).seal;
    assert.equal(both.type, 'static');
    assert.equal(both.previous?.type, 'transit');
    const back = parse(disabledTransit).seal;
    assert.deepEqual([back.type, back.previous?.type], ['shamir', 'transit']);
    fails(TRANSIT + stat, /^c\.hcl:8: two seal stanzas are only allowed for a seal migration, with disabled = "true" on the old one/);
    fails(TRANSIT + disabledTransit + stat, /only two seal stanzas/);
  });

  it('unknown seal types are still refused', () => {
    fails('\nseal "awskms" {\n  region = "x"\n}\n', /^c\.hcl:3: unknown seal type "awskms"/);
  });
});
