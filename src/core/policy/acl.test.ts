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

describe('ACL lookup cost', () => {
  /**
   * Counts the built-in operations a lookup performs (Map/Set probes, string compares and
   * slices, regex runs, steps of for-of over arrays, maps and sets) while `fn` runs. A
   * count, not a stopwatch: it is the same on a loaded machine, and a linear scan over the
   * rules shows up as thousands of extra operations whatever shape the scan takes.
   */
  function countOps(fn: () => void): number {
    let n = 0;
    const targets: [object, string][] = [
      [Map.prototype, 'get'],
      [Map.prototype, 'has'],
      [Set.prototype, 'has'],
      [String.prototype, 'startsWith'],
      [String.prototype, 'endsWith'],
      [String.prototype, 'includes'],
      [String.prototype, 'indexOf'],
      [String.prototype, 'slice'],
      [String.prototype, 'split'],
      [String.prototype, 'charCodeAt'],
      [RegExp.prototype, 'exec'],
      [RegExp.prototype, 'test'],
      [Object.getPrototypeOf([][Symbol.iterator]()) as object, 'next'],
      [Object.getPrototypeOf(new Map()[Symbol.iterator]()) as object, 'next'],
      [Object.getPrototypeOf(new Set()[Symbol.iterator]()) as object, 'next'],
    ];
    const saved = targets.map((t) => Object.getOwnPropertyDescriptor(t[0], t[1]) as PropertyDescriptor);
    // Indexing, not destructuring: destructuring an array steps its (counted) iterator.
    for (let i = 0; i < targets.length; i++) {
      const original = saved[i]!.value as (...a: unknown[]) => unknown;
      Object.defineProperty(targets[i]![0], targets[i]![1], {
        ...saved[i],
        value: function (this: unknown, ...args: unknown[]) {
          n++;
          return original.apply(this, args);
        },
      });
    }
    const before = n;
    try {
      fn();
    } finally {
      for (let i = 0; i < targets.length; i++) Object.defineProperty(targets[i]![0], targets[i]![1], saved[i]!);
    }
    return n - before;
  }

  /** A policy with `apps` `secret/app<i>/*` globs, as many exact paths, and one `+` rule; built from JSON (the HCL parser is slow on thousands of blocks). */
  function manyRules(apps: number): ACL {
    const paths: Record<string, { capabilities: string[] }> = { 'secret/+/shared/+': { capabilities: ['read'] } };
    for (let i = 0; i < apps; i++) {
      paths[`secret/app${i}/*`] = { capabilities: ['read'] };
      paths[`kv/data/team${i}/cfg`] = { capabilities: ['read'] };
    }
    return acl({ big: JSON.stringify({ path: paths }) });
  }

  /** Operations per lookup, averaged over probes that hit globs, the `+` rule, exact paths and nothing. */
  function opsPerLookup(a: ACL): number {
    const probes = [...Array.from({ length: 200 }, (_, i) => `secret/app${i}/x/y`), 'secret/q/shared/z', 'kv/data/team7/cfg', 'nowhere/at/all', 'secret/none'];
    const ops = countOps(() => {
      for (const path of probes) a.allowOperation({ path, operation: 'read' });
    });
    return ops / probes.length;
  }

  it('does not grow with the number of rules', () => {
    const big = manyRules(2000);
    const mid = manyRules(200);
    const tiny = acl({ small: rule('secret/*', ['read']) + rule('secret/+/shared/+', ['read']) });
    for (const a of [big, mid]) {
      assert.ok(a.allowOperation({ path: 'secret/q/shared/z', operation: 'read' }).allowed);
      assert.ok(a.allowOperation({ path: 'kv/data/team7/cfg', operation: 'read' }).allowed);
      assert.ok(a.allowOperation({ path: 'secret/app150/x/y', operation: 'read' }).allowed);
      assert.equal(a.allowOperation({ path: 'nowhere/at/all', operation: 'read' }).allowed, false);
    }
    const [b, m, t] = [opsPerLookup(big), opsPerLookup(mid), opsPerLookup(tiny)];
    // Ten times the rules: a scan would cost ten times the work; an index costs about the same.
    assert.ok(b <= m * 1.5, `4,001 rules cost ${b.toFixed(1)} operations per lookup, 401 rules ${m.toFixed(1)}`);
    // And within a small factor of a two-rule ACL (a scan would be about 2,000 times).
    assert.ok(b <= t * 10, `4,001 rules cost ${b.toFixed(1)} operations per lookup, 2 rules ${t.toFixed(1)}`);
  });

  it('the counter sees a linear scan (so the test above can fail)', () => {
    const rules = Array.from({ length: 1000 }, (_, i) => `secret/app${i}/`);
    const scan = (path: string): boolean => rules.some((r) => path.startsWith(r));
    const few = countOps(() => scan('secret/app3/x'));
    const all = countOps(() => scan('secret/none/x'));
    assert.ok(all >= 1000 && all > few * 100, `a scan of 1,000 rules counted ${all} operations (early hit: ${few})`);
  });
});

describe('ACL.subscribeAllowed (events: subscribe + subscribe_event_types on the data path)', () => {
  const cases: { name: string; policies: Record<string, string>; path: string; type: string; allowed: boolean }[] = [
    { name: 'subscribe with a matching event type glob', policies: { p: rule('secret/data/*', ['subscribe'], 'subscribe_event_types = ["kv-v2/*"]') }, path: 'secret/data/a', type: 'kv-v2/data-write', allowed: true },
    { name: 'event type outside the globs', policies: { p: rule('secret/data/*', ['subscribe'], 'subscribe_event_types = ["kv-v2/metadata-*"]') }, path: 'secret/data/a', type: 'kv-v2/data-write', allowed: false },
    { name: 'no subscribe_event_types: no event type (as Vault)', policies: { p: rule('secret/data/*', ['subscribe', 'list']) }, path: 'secret/data/a', type: 'kv-v2/data-write', allowed: false },
    { name: 'types without the subscribe capability', policies: { p: rule('secret/data/*', ['read', 'list'], 'subscribe_event_types = ["*"]') }, path: 'secret/data/a', type: 'kv-v2/data-write', allowed: false },
    { name: 'another path', policies: { p: rule('secret/data/team/*', ['subscribe'], 'subscribe_event_types = ["*"]') }, path: 'secret/data/other', type: 'kv-v2/data-write', allowed: false },
    { name: 'deny on the more specific path wins', policies: { p: rule('secret/*', ['subscribe'], 'subscribe_event_types = ["*"]') + rule('secret/data/x', ['deny']) }, path: 'secret/data/x', type: 'kv-v2/data-write', allowed: false },
    {
      name: 'event types unite across policies naming the same path',
      policies: { a: rule('kv/*', ['subscribe'], 'subscribe_event_types = ["kv-v1/write"]'), b: rule('kv/*', ['subscribe'], 'subscribe_event_types = ["kv-v1/delete"]') },
      path: 'kv/a',
      type: 'kv-v1/delete',
      allowed: true,
    },
    { name: 'root', policies: { root: '' }, path: 'anything', type: 'kv-v2/data-write', allowed: true },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.equal(acl(c.policies).subscribeAllowed(c.path, c.type), c.allowed);
    });
  }
});
