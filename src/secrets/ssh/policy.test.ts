import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, it } from 'node:test';
import { publicBlobOf } from './keys.js';
import { certTypeFor, checkKeyLength, criticalOptionsFor, extensionsFor, keyIdFor, principalsFor, ttlFor } from './policy.js';
import type { SshRole } from './role.js';

const base: SshRole = {
  key_type: 'ca',
  allowed_users: '',
  allowed_users_template: false,
  default_user: '',
  allowed_domains: '',
  allow_bare_domains: false,
  allow_subdomains: false,
  allowed_extensions: '',
  default_extensions: {},
  allowed_critical_options: '',
  default_critical_options: {},
  allow_user_certificates: true,
  allow_host_certificates: false,
  allow_user_key_ids: false,
  allow_empty_principals: false,
  key_id_format: '',
  ttl: 0,
  max_ttl: 0,
  not_before_duration: 30,
  algorithm_signer: 'default',
  allowed_user_key_lengths: {},
};
const role = (o: Partial<SshRole>): SshRole => ({ ...base, ...o });

describe('ssh sign policy', () => {
  const principalCases: [string, Partial<SshRole>, 'user' | 'host', string | undefined, string[] | RegExp][] = [
    ['requested user in the list', { allowed_users: 'alice,bob' }, 'user', 'bob', ['bob']],
    ['duplicates removed', { allowed_users: 'alice' }, 'user', 'alice,alice', ['alice']],
    ['star allows anyone', { allowed_users: '*' }, 'user', 'mallory', ['mallory']],
    ['default user when none requested', { allowed_users: 'alice', default_user: 'alice' }, 'user', undefined, ['alice']],
    ['user not in the list', { allowed_users: 'alice' }, 'user', 'root', /^root is not a valid value for valid_principals$/],
    ['role allows no users', {}, 'user', 'alice', /^role is not configured to allow any principals$/],
    ['empty principals refused', { allowed_users: 'alice' }, 'user', '', /^empty valid principals not allowed by role$/],
    ['empty principals allowed', { allow_empty_principals: true }, 'user', '', []],
    ['template renders the entity id', { allowed_users: 'u-{{identity.entity.id}}', allowed_users_template: true }, 'user', 'u-ent1', ['u-ent1']],
    ['host: subdomain allowed', { allowed_domains: 'example.com', allow_subdomains: true }, 'host', 'web.example.com', ['web.example.com']],
    ['host: bare domain needs allow_bare_domains', { allowed_domains: 'example.com', allow_subdomains: true }, 'host', 'example.com', /^example\.com is not a valid value for valid_principals$/],
    ['host: bare domain allowed', { allowed_domains: 'example.com', allow_bare_domains: true }, 'host', 'example.com', ['example.com']],
    ['host: lookalike suffix refused', { allowed_domains: 'example.com', allow_subdomains: true }, 'host', 'evilexample.com', /not a valid value/],
    ['host: star', { allowed_domains: '*' }, 'host', 'any.thing', ['any.thing']],
  ];
  for (const [name, r, type, requested, want] of principalCases) {
    it(`principals: ${name}`, () => {
      const run = () => principalsFor(role(r), type, requested, 'ent1');
      if (want instanceof RegExp) assert.throws(run, (e: Error) => want.test(e.message));
      else assert.deepEqual(run(), want);
    });
  }

  it('certificate types follow the role', () => {
    assert.equal(certTypeFor(role({}), 'user'), 1);
    assert.throws(() => certTypeFor(role({}), 'host'), /^Error: cert_type 'host' is not allowed by role$/);
    assert.throws(() => certTypeFor(role({ allow_user_certificates: false, allow_host_certificates: true }), 'user'), /cert_type 'user' is not allowed by role/);
    assert.throws(() => certTypeFor(role({}), 'both'), /cert_type must be either 'user' or 'host'/);
  });

  const ttlCases: [string, Partial<SshRole>, number | undefined, number | RegExp][] = [
    ['system default', {}, undefined, 3600],
    ['role ttl', { ttl: 600 }, undefined, 600],
    ['requested', { max_ttl: 7200 }, 1800, 1800],
    ['over role max refused', { max_ttl: 7200 }, 7201, /^ttl is larger than maximum allowed 7200$/],
    ['role ttl over system max is capped', { ttl: 999_999 }, undefined, 86400],
  ];
  for (const [name, r, requested, want] of ttlCases) {
    it(`ttl: ${name}`, () => {
      const run = () => ttlFor(role(r), requested, { defaultTtl: 3600, maxTtl: 86400 });
      if (want instanceof RegExp) assert.throws(run, (e: Error) => want.test(e.message));
      else assert.equal(run(), want);
    });
  }

  it('extensions: defaults when none requested, allowed list enforced, * allows any', () => {
    assert.deepEqual(extensionsFor(role({ default_extensions: { 'permit-pty': '' } }), {}), { 'permit-pty': '' });
    assert.throws(() => extensionsFor(role({}), { 'permit-pty': '' }), /^Error: extensions \[permit-pty\] are not on allowed list$/);
    assert.deepEqual(extensionsFor(role({ allowed_extensions: 'permit-pty' }), { 'permit-pty': '' }), { 'permit-pty': '' });
    assert.deepEqual(extensionsFor(role({ allowed_extensions: '*' }), { x: 1 }), { x: '1' });
  });

  it('critical options: defaults, an empty allowed list allows any, a list is enforced', () => {
    assert.deepEqual(criticalOptionsFor(role({ default_critical_options: { 'force-command': 'ls' } }), {}), { 'force-command': 'ls' });
    assert.deepEqual(criticalOptionsFor(role({}), { 'source-address': '10.0.0.0/8' }), { 'source-address': '10.0.0.0/8' });
    assert.throws(() => criticalOptionsFor(role({ allowed_critical_options: 'force-command' }), { 'source-address': '1.2.3.4/32' }), /^Error: critical options not on allowed list: \[source-address\]$/);
  });

  it('key id: the default format, a role format, and a requested id only when allowed', () => {
    const pub = publicBlobOf(generateKeyPairSync('ed25519').publicKey);
    assert.match(keyIdFor(role({}), '', 'token-x', 'web', pub), /^vault-token-x-[0-9a-f]{64}$/);
    assert.match(keyIdFor(role({}), '', '', 'web', pub), /^vault-[0-9a-f]{64}$/);
    assert.equal(keyIdFor(role({ key_id_format: '{{role_name}}:{{token_display_name}}' }), '', 'root', 'web', pub), 'web:root');
    assert.throws(() => keyIdFor(role({}), 'mine', 'root', 'web', pub), /^Error: setting key_id is not allowed by role$/);
    assert.equal(keyIdFor(role({ allow_user_key_ids: true }), 'mine', 'root', 'web', pub), 'mine');
  });

  it('allowed_user_key_lengths: type must be listed and size must match', () => {
    const rsa = publicBlobOf(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey);
    const ec = publicBlobOf(generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey);
    const ed = publicBlobOf(generateKeyPairSync('ed25519').publicKey);
    checkKeyLength(role({}), rsa);
    checkKeyLength(role({ allowed_user_key_lengths: { rsa: [2048, 4096] } }), rsa);
    assert.throws(() => checkKeyLength(role({ allowed_user_key_lengths: { rsa: [4096] } }), rsa), /^Error: key is of an invalid size: 2048$/);
    assert.throws(() => checkKeyLength(role({ allowed_user_key_lengths: { rsa: [4096] } }), ed), /^Error: key of type ed25519 is not allowed$/);
    checkKeyLength(role({ allowed_user_key_lengths: { ec: [384] } }), ec);
    checkKeyLength(role({ allowed_user_key_lengths: { 'ecdsa-sha2-nistp384': [0] } }), ec);
    checkKeyLength(role({ allowed_user_key_lengths: { 'ssh-ed25519': [0] } }), ed);
  });
});
