import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ACL, type AclOperation } from './acl.js';
import { parsePolicy } from './parse.js';

/** Builds an ACL from `name → HCL` pairs. */
function acl(policies: Record<string, string>): ACL {
  return new ACL(Object.entries(policies).map(([name, text]) => parsePolicy(name, text)));
}

const rule = (path: string, caps: string[], extra = ''): string =>
  `path "${path}" {\n  capabilities = [${caps.map((c) => `"${c}"`).join(', ')}]\n  ${extra}\n}\n`;

interface Case {
  name: string;
  policies: Record<string, string>;
  path: string;
  op: AclOperation;
  allowed: boolean;
}

const matching: Case[] = [
  { name: 'exact match grants', policies: { p: rule('secret/foo', ['read']) }, path: 'secret/foo', op: 'read', allowed: true },
  { name: 'exact match is not a prefix', policies: { p: rule('secret/foo', ['read']) }, path: 'secret/foo/bar', op: 'read', allowed: false },
  { name: 'no rule means deny', policies: { p: rule('secret/foo', ['read']) }, path: 'other', op: 'read', allowed: false },
  { name: 'capability must match operation', policies: { p: rule('secret/foo', ['read']) }, path: 'secret/foo', op: 'update', allowed: false },
  { name: 'glob matches deeper paths', policies: { p: rule('secret/*', ['read']) }, path: 'secret/a/b/c', op: 'read', allowed: true },
  { name: 'glob is a plain prefix', policies: { p: rule('secret*', ['read']) }, path: 'secretive', op: 'read', allowed: true },
  { name: 'glob with slash needs the slash', policies: { p: rule('secret/*', ['read']) }, path: 'secret', op: 'read', allowed: false },
  {
    name: 'exact beats glob, even a denying glob',
    policies: { p: rule('secret/foo', ['read']) + rule('secret/*', ['deny']) },
    path: 'secret/foo',
    op: 'read',
    allowed: true,
  },
  {
    name: 'longest glob wins (deny below an allow)',
    policies: { p: rule('secret/*', ['read']) + rule('secret/admin/*', ['deny']) },
    path: 'secret/admin/x',
    op: 'read',
    allowed: false,
  },
  {
    name: 'longest glob wins (allow below a deny)',
    policies: { p: rule('secret/*', ['deny']) + rule('secret/app/*', ['read']) },
    path: 'secret/app/x',
    op: 'read',
    allowed: true,
  },
  { name: '+ matches one segment', policies: { p: rule('secret/+/config', ['read']) }, path: 'secret/team/config', op: 'read', allowed: true },
  { name: '+ does not match two segments', policies: { p: rule('secret/+/config', ['read']) }, path: 'secret/a/b/config', op: 'read', allowed: false },
  { name: '+ rule is not a prefix', policies: { p: rule('secret/+/config', ['read']) }, path: 'secret/a/config/x', op: 'read', allowed: false },
  { name: 'leading +', policies: { p: rule('+/config', ['read']) }, path: 'kv/config', op: 'read', allowed: true },
  { name: '+ with trailing glob', policies: { p: rule('secret/+/app/*', ['read']) }, path: 'secret/t/app/x/y', op: 'read', allowed: true },
  { name: '+ with partial last segment glob', policies: { p: rule('secret/+/ap*', ['read']) }, path: 'secret/t/apple', op: 'read', allowed: true },
  {
    name: 'priority (a): later first wildcard wins',
    policies: { p: rule('secret/+/foo', ['deny']) + rule('secret/a/*', ['read']) },
    path: 'secret/a/foo',
    op: 'read',
    allowed: true,
  },
  {
    name: 'priority (a), reversed grants',
    policies: { p: rule('secret/+/foo', ['read']) + rule('secret/a/*', ['deny']) },
    path: 'secret/a/foo',
    op: 'read',
    allowed: false,
  },
  {
    name: 'priority (b): not ending in * beats ending in *',
    policies: { p: rule('a/+/c', ['read']) + rule('a/+/*', ['deny']) },
    path: 'a/b/c',
    op: 'read',
    allowed: true,
  },
  {
    name: 'priority (c): fewer + segments wins',
    policies: { p: rule('a/+/c/d', ['read']) + rule('a/+/+/d', ['deny']) },
    path: 'a/b/c/d',
    op: 'read',
    allowed: true,
  },
  {
    name: 'priority (d): longer pattern wins',
    policies: { p: rule('a/+/c*', ['deny']) + rule('a/+/cd*', ['read']) },
    path: 'a/b/cde',
    op: 'read',
    allowed: true,
  },
  {
    name: 'priority (e): lexicographically greater wins',
    policies: { p: rule('a/+/c/+', ['read']) + rule('a/+/+/d', ['deny']) },
    path: 'a/b/c/d',
    op: 'read',
    allowed: true,
  },
  {
    name: 'glob beats + when its * comes later',
    policies: { p: rule('+/b/c', ['deny']) + rule('a/*', ['read']) },
    path: 'a/b/c',
    op: 'read',
    allowed: true,
  },
  {
    name: '+ beats glob when its + comes later',
    policies: { p: rule('a/b/+', ['read']) + rule('a/*', ['deny']) },
    path: 'a/b/c',
    op: 'read',
    allowed: true,
  },
  {
    name: 'same pattern across policies: union',
    policies: { p1: rule('secret/x', ['read']), p2: rule('secret/x', ['update']) },
    path: 'secret/x',
    op: 'update',
    allowed: true,
  },
  {
    name: 'same pattern across policies: deny wins',
    policies: { p1: rule('secret/*', ['read', 'list']), p2: rule('secret/*', ['deny']) },
    path: 'secret/x',
    op: 'read',
    allowed: false,
  },
  {
    name: 'deny first, allow later: still denied',
    policies: { p1: rule('secret/*', ['deny']), p2: rule('secret/*', ['read']) },
    path: 'secret/x',
    op: 'read',
    allowed: false,
  },
  { name: 'list: exact rule without trailing slash', policies: { p: rule('secret/dir', ['list']) }, path: 'secret/dir/', op: 'list', allowed: true },
  { name: 'list: exact rule with trailing slash', policies: { p: rule('secret/dir/', ['list']) }, path: 'secret/dir/', op: 'list', allowed: true },
  { name: 'list: + rule without trailing slash', policies: { p: rule('+/dir', ['list']) }, path: 'secret/dir/', op: 'list', allowed: true },
  { name: 'list: glob rule', policies: { p: rule('secret/*', ['list']) }, path: 'secret/', op: 'list', allowed: true },
  { name: 'read does not strip the slash', policies: { p: rule('secret/dir', ['read']) }, path: 'secret/dir/', op: 'read', allowed: false },
  { name: 'patch needs patch', policies: { p: rule('kv/data/x', ['update']) }, path: 'kv/data/x', op: 'patch', allowed: false },
  { name: 'patch granted', policies: { p: rule('kv/data/x', ['patch']) }, path: 'kv/data/x', op: 'patch', allowed: true },
  { name: 'help is always allowed', policies: {}, path: 'anything', op: 'help', allowed: true },
  { name: 'legacy write policy grants create', policies: { p: 'path "s/*" { policy = "write" }' }, path: 's/x', op: 'create', allowed: true },
  { name: 'legacy read policy grants list', policies: { p: 'path "s/*" { policy = "read" }' }, path: 's/', op: 'list', allowed: true },
  {
    name: 'templated rules are ignored',
    policies: { p: rule('identity/entity/id/{{identity.entity.id}}', ['read']) },
    path: 'identity/entity/id/{{identity.entity.id}}',
    op: 'read',
    allowed: false,
  },
];

describe('ACL matching', () => {
  for (const c of matching) {
    it(c.name, () => {
      assert.equal(acl(c.policies).allowOperation({ path: c.path, operation: c.op }).allowed, c.allowed);
    });
  }
});

describe('ACL results', () => {
  it('reports sudo, capabilities and granting policies', () => {
    const a = acl({ ops: rule('sys/audit', ['read', 'sudo']), more: rule('sys/audit', ['read', 'update']) });
    const r = a.allowOperation({ path: 'sys/audit', operation: 'read' });
    assert.deepEqual(r, {
      allowed: true,
      sudo: true,
      root: false,
      capabilities: ['read', 'sudo', 'update'],
      grantingPolicies: ['ops', 'more'],
    });
    assert.deepEqual(a.allowOperation({ path: 'sys/audit', operation: 'update' }).grantingPolicies, ['more']);
    assert.equal(a.allowOperation({ path: 'sys/audit', operation: 'delete' }).sudo, true);
  });

  it('deny clears sudo', () => {
    const a = acl({ p1: rule('sys/x', ['sudo', 'read']), p2: rule('sys/x', ['deny']) });
    assert.deepEqual(a.allowOperation({ path: 'sys/x', operation: 'read' }), {
      allowed: false,
      sudo: false,
      root: false,
      capabilities: ['deny'],
      grantingPolicies: [],
    });
  });

  it('a root policy allows everything with sudo', () => {
    const a = new ACL([{ name: 'root', raw: '', rules: [] }, parsePolicy('p', rule('x', ['deny']))]);
    const r = a.allowOperation({ path: 'x', operation: 'delete', data: { anything: 1 } });
    assert.deepEqual(r, { allowed: true, sudo: true, root: true, capabilities: ['root'], grantingPolicies: ['root'] });
    assert.deepEqual(a.capabilities('sys/anything'), ['root']);
  });

  it('capabilities() is sorted, deny when nothing applies', () => {
    const a = acl({ p: rule('secret/*', ['update', 'read', 'list', 'create']) + rule('secret/no', ['deny']) });
    assert.deepEqual(a.capabilities('secret/x'), ['create', 'list', 'read', 'update']);
    assert.deepEqual(a.capabilities('secret/no'), ['deny']);
    assert.deepEqual(a.capabilities('other'), ['deny']);
    assert.deepEqual(acl({ p: rule('e', []) }).capabilities('e'), ['deny']);
  });
});

describe('ACL mount access (KV preflight)', () => {
  const a = acl({
    p: rule('secret/data/app/*', ['read']) + rule('kv/+/team/cfg', ['read']) + rule('locked/*', ['deny']) + rule('mine/', ['list']),
  });
  it('a rule beneath the mount reveals it', () => assert.equal(a.hasMountAccess('secret/'), true));
  it('a + rule reaching into the mount reveals it', () => assert.equal(a.hasMountAccess('kv/'), true));
  it('a grant on the mount path itself reveals it', () => assert.equal(a.hasMountAccess('mine/'), true));
  it('deny rules reveal nothing', () => assert.equal(a.hasMountAccess('locked/'), false));
  it('unrelated mounts stay hidden', () => assert.equal(a.hasMountAccess('transit/'), false));
  it('root sees everything', () => assert.equal(new ACL([{ name: 'root', raw: '', rules: [] }]).hasMountAccess('x/'), true));
});

describe('ACL parameter constraints', () => {
  const allowed = (extra: string, data: Record<string, unknown>, op: AclOperation = 'update'): boolean =>
    acl({ p: rule('s/x', ['create', 'read', 'update', 'delete']) + rule('s/x', [], extra) })
      .allowOperation({ path: 's/x', operation: op, data }).allowed;

  const cases: [string, string, Record<string, unknown>, boolean][] = [
    ['no constraints', '', { a: 1 }, true],
    ['required present', 'required_parameters = ["owner"]', { owner: 'me' }, true],
    ['required missing', 'required_parameters = ["owner"]', { other: 'me' }, false],
    ['allowed key with any value', 'allowed_parameters = { "owner" = [] }', { owner: 'x' }, true],
    ['key not in allow list', 'allowed_parameters = { "owner" = [] }', { owner: 'x', env: 'y' }, false],
    ['allowed keys compare lower-cased', 'allowed_parameters = { "Owner" = [] }', { OWNER: 'x' }, true],
    ['allowed value', 'allowed_parameters = { "env" = ["dev", "prod"] }', { env: 'prod' }, true],
    ['disallowed value', 'allowed_parameters = { "env" = ["dev", "prod"] }', { env: 'qa' }, false],
    ['value prefix glob', 'allowed_parameters = { "env" = ["dev-*"] }', { env: 'dev-1' }, true],
    ['value suffix glob', 'allowed_parameters = { "env" = ["*-prod"] }', { env: 'eu-prod' }, true],
    ['value contains glob', 'allowed_parameters = { "env" = ["*mid*"] }', { env: 'a-mid-b' }, true],
    ['value glob mismatch', 'allowed_parameters = { "env" = ["dev-*"] }', { env: 'prod-1' }, false],
    ['non-string values compare by value', 'allowed_parameters = { "n" = [3] }', { n: 3 }, true],
    ['star allows other keys', 'allowed_parameters = { "*" = [], "env" = ["dev"] }', { other: 1, env: 'dev' }, true],
    ['star still checks listed values', 'allowed_parameters = { "*" = [], "env" = ["dev"] }', { env: 'qa' }, false],
    ['denied key', 'denied_parameters = { "admin" = [] }', { admin: 'x' }, false],
    ['denied key other ok', 'denied_parameters = { "admin" = [] }', { user: 'x' }, true],
    ['denied value', 'denied_parameters = { "env" = ["prod"] }', { env: 'prod' }, false],
    ['denied value other ok', 'denied_parameters = { "env" = ["prod"] }', { env: 'dev' }, true],
    ['denied star denies any parameter', 'denied_parameters = { "*" = [] }', { a: 1 }, false],
    ['denied star allows empty data', 'denied_parameters = { "*" = [] }', {}, true],
    ['denied checked before allowed', 'allowed_parameters = { "env" = [] }\n denied_parameters = { "env" = ["prod"] }', { env: 'prod' }, false],
  ];
  for (const [name, extra, data, want] of cases) {
    it(name, () => assert.equal(allowed(extra, data), want));
  }

  it('constraints are not applied to delete or list', () => {
    assert.equal(allowed('denied_parameters = { "*" = [] }', { a: 1 }, 'delete'), true);
  });

  it('merges constraints across policies', () => {
    const a = acl({
      p1: rule('s/x', ['update'], 'allowed_parameters = { "env" = ["dev"] }'),
      p2: rule('s/x', ['update'], 'allowed_parameters = { "env" = ["prod"], "team" = [] }'),
    });
    const ok = (data: Record<string, unknown>): boolean => a.allowOperation({ path: 's/x', operation: 'update', data }).allowed;
    assert.equal(ok({ env: 'dev' }), true);
    assert.equal(ok({ env: 'prod', team: 'x' }), true);
    assert.equal(ok({ env: 'qa' }), false);
  });
});

describe('ACL wrapping TTL bounds', () => {
  const a = acl({ p: rule('s/x', ['read'], 'min_wrapping_ttl = "1m"\n max_wrapping_ttl = "1h"') });
  const ok = (wrapTtl?: number): boolean => a.allowOperation({ path: 's/x', operation: 'read', ...(wrapTtl === undefined ? {} : { wrapTtl }) }).allowed;
  it('allows a TTL within bounds', () => assert.equal(ok(300), true));
  it('denies a TTL below the minimum', () => assert.equal(ok(30), false));
  it('denies a TTL above the maximum', () => assert.equal(ok(7200), false));
  it('denies an unwrapped request', () => assert.equal(ok(), false));
  it('max only: an unwrapped request is denied, as in Vault', () => {
    const b = acl({ p: rule('s/x', ['read'], 'max_wrapping_ttl = 60') });
    assert.equal(b.allowOperation({ path: 's/x', operation: 'read' }).allowed, false);
    assert.equal(b.allowOperation({ path: 's/x', operation: 'read', wrapTtl: 30 }).allowed, true);
  });
  it('merging keeps the tighter bounds', () => {
    const b = acl({ p1: rule('s/x', ['read'], 'max_wrapping_ttl = 600'), p2: rule('s/x', ['read'], 'max_wrapping_ttl = 60') });
    assert.equal(b.allowOperation({ path: 's/x', operation: 'read', wrapTtl: 120 }).allowed, false);
  });
});

describe('ACL lookup speed', () => {
  /** Milliseconds for `n` read checks over a fixed set of paths. */
  function time(a: ACL, paths: string[], n: number): number {
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) a.allowOperation({ path: paths[i % paths.length] as string, operation: 'read' });
    return Number(process.hrtime.bigint() - start) / 1e6;
  }

  it('does not slow down with the number of rules', () => {
    // JSON keeps the HCL parser (slow on thousands of blocks) out of the setup.
    const paths: Record<string, { capabilities: string[] }> = { 'secret/+/shared/+': { capabilities: ['read'] } };
    for (let i = 0; i < 2000; i++) {
      paths[`secret/app${i}/*`] = { capabilities: ['read'] };
      paths[`kv/data/team${i}/cfg`] = { capabilities: ['read'] };
    }
    const big = acl({ big: JSON.stringify({ path: paths }) });
    const small = acl({ small: rule('secret/*', ['read']) + rule('secret/+/shared/+', ['read']) });
    const probes = Array.from({ length: 2000 }, (_, i) => `secret/app${i}/x/y`);
    assert.ok(big.allowOperation({ path: 'secret/q/shared/z', operation: 'read' }).allowed);
    assert.ok(big.allowOperation({ path: 'kv/data/team7/cfg', operation: 'read' }).allowed);
    time(big, probes, 20000); // warm up both before measuring
    time(small, probes, 20000);
    const ratio = time(big, probes, 100000) / time(small, probes, 100000);
    // A linear scan over 4,001 rules would be hundreds of times slower than one over 2.
    assert.ok(ratio < 20, `4,001 rules were ${ratio.toFixed(1)}x slower than 2`);
  });
});
