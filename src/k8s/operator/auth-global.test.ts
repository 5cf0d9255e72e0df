import assert from 'node:assert/strict';
import { test } from 'node:test';
import { globalCandidates, isAllowedNamespace, mergeAuthGlobal } from './auth-global.js';
import { parseAuthSpec, parseGlobalRef } from './auth-spec.js';
import { SpecError } from './spec.js';

// VSO's own table (internal/common, Test_MergeInVaultAuthGlobal), in Ward's terms.
const GLOBAL = {
  vaultConnectionRef: 'default',
  headers: { 'X-Global-Default': 'bar' },
  kubernetes: { namespace: 'biff', mount: 'qux', headers: { 'X-Global-Kubernetes': 'qux' }, role: 'beetle', serviceAccount: 'sa1', tokenExpirationSeconds: 600, audiences: ['baz'] },
  appRole: { namespace: 'biff', mount: 'qux', roleId: 'foo', secretRef: 'bar' },
  jwt: { namespace: 'biff', mount: 'qux', role: 'beetle', serviceAccount: 'sa1' },
};
const ref = (r: Record<string, unknown>) => ({ vaultAuthGlobalRef: { name: 'buz', ...r } });
const merged = (auth: Record<string, unknown>, global: Record<string, unknown> = GLOBAL) => {
  const g = parseGlobalRef(auth);
  assert.ok(g);
  return mergeAuthGlobal({ namespace: 'baz', name: 'foo', spec: auth }, g, { namespace: 'baz', name: 'buz', spec: global });
};

test('merge: the method\'s fields, mount, Ward namespace and connection come from the global where the VaultAuth has none', () => {
  const m = parseAuthSpec(merged({ ...ref({}), method: 'kubernetes' }));
  assert.equal(m.mount, 'qux');
  assert.equal(m.namespace, 'biff');
  assert.equal(m.vaultConnectionRef, 'default');
  assert.deepEqual(m.kubernetes, { role: 'beetle', serviceAccount: 'sa1', audiences: ['baz'], tokenExpirationSeconds: 600 });
  assert.deepEqual(m.headers, {}, 'mergeStrategy none (the default): no global headers');
  // The VaultAuth's own values win, field by field.
  const o = parseAuthSpec(merged({ ...ref({}), method: 'kubernetes', vaultConnectionRef: 'other', kubernetes: { serviceAccount: 'mine', audiences: ['qux'] } }));
  assert.deepEqual(o.kubernetes, { role: 'beetle', serviceAccount: 'mine', audiences: ['qux'], tokenExpirationSeconds: 600 });
  assert.equal(o.vaultConnectionRef, 'other');
  assert.deepEqual(parseAuthSpec(merged({ ...ref({}), method: 'appRole' })).appRole, { roleId: 'foo', secretRef: 'bar' });
  assert.equal(parseAuthSpec(merged({ ...ref({}), method: 'jwt' })).jwt?.serviceAccount, 'sa1');
});

test('merge: defaultAuthMethod, defaultMount and defaultVaultNamespace when neither side sets them', () => {
  const m = parseAuthSpec(merged(ref({}), { defaultAuthMethod: 'appRole', defaultMount: 'approle', defaultVaultNamespace: 'team', appRole: { roleId: 'r', secretRef: 's' } }));
  assert.equal(m.method, 'appRole');
  assert.equal(m.mount, 'approle');
  assert.equal(m.namespace, 'team');
});

test('merge strategies for headers and params: none, replace (first non-empty of VaultAuth, method, global default), union (VaultAuth wins)', () => {
  const table: Array<[string, Record<string, unknown>, Record<string, unknown>, Record<string, string>, Record<string, string>]> = [
    ['none', { headers: { 'X-Local': 'buz' } }, GLOBAL, { 'X-Local': 'buz' }, {}],
    ['replace, local set', { mergeStrategy: { headers: 'replace' }, headers: { 'X-Local': 'buz' } }, GLOBAL, { 'X-Local': 'buz' }, {}],
    ['replace, method headers', { mergeStrategy: { headers: 'replace' } }, GLOBAL, { 'X-Global-Kubernetes': 'qux' }, {}],
    ['replace, global default headers', { mergeStrategy: { headers: 'replace' } }, { ...GLOBAL, kubernetes: { ...GLOBAL.kubernetes, headers: {} } }, { 'X-Global-Default': 'bar' }, {}],
    ['union headers', { mergeStrategy: { headers: 'union' }, headers: { 'X-Local': 'buz' } }, GLOBAL, { 'X-Local': 'buz', 'X-Global-Default': 'bar', 'X-Global-Kubernetes': 'qux' }, {}],
    ['union headers, local overrides', { mergeStrategy: { headers: 'union' }, headers: { 'X-Local': 'buz', 'X-Global-Default': 'override' } }, GLOBAL, { 'X-Local': 'buz', 'X-Global-Default': 'override', 'X-Global-Kubernetes': 'qux' }, {}],
    ['replace params, local set', { mergeStrategy: { params: 'replace' }, params: { foo: 'bar' } }, GLOBAL, {}, { foo: 'bar' }],
    ['replace params, method params', { mergeStrategy: { params: 'replace' } }, { ...GLOBAL, params: { baz: 'biff' }, kubernetes: { ...GLOBAL.kubernetes, params: { qux: 'baz' } } }, {}, { qux: 'baz' }],
    ['replace params, global default params', { mergeStrategy: { params: 'replace' } }, { ...GLOBAL, params: { baz: 'biff' } }, {}, { baz: 'biff' }],
    ['union params, local overrides', { mergeStrategy: { params: 'union' }, params: { baz: 'override' } }, { ...GLOBAL, kubernetes: { ...GLOBAL.kubernetes, params: { foo: 'bar', baz: 'qux' } } }, {}, { foo: 'bar', baz: 'override' }],
  ];
  for (const [name, r, global, headers, params] of table) {
    const { mergeStrategy, headers: h, params: p } = r as { mergeStrategy?: unknown; headers?: unknown; params?: unknown };
    const auth = { vaultAuthGlobalRef: { name: 'buz', mergeStrategy }, method: 'kubernetes', ...(h ? { headers: h } : {}), ...(p ? { params: p } : {}) };
    const m = parseAuthSpec(merged(auth, global));
    assert.deepEqual(m.headers, headers, `${name}: headers`);
    assert.deepEqual(m.params, params, `${name}: params`);
  }
});

test('merge errors say what is missing', () => {
  assert.throws(() => merged(ref({}), {}), (e: unknown) => e instanceof SpecError && e.message === 'no auth method set in VaultAuth baz/foo and no defaultAuthMethod in VaultAuthGlobal baz/buz');
  assert.throws(() => merged({ ...ref({}), method: 'jwt' }, { kubernetes: {} }), (e: unknown) => e instanceof SpecError && e.message === 'auth method jwt is not configured in VaultAuth baz/foo nor in VaultAuthGlobal baz/buz');
  assert.throws(() => parseAuthSpec(merged({ ...ref({}), method: 'kubernetes' }, { kubernetes: { role: 'r', serviceAccount: 's' } })), (e: unknown) => e instanceof SpecError && e.message === 'spec.mount: required');
});

test('which VaultAuthGlobal: the named one (own namespace unless given); allowDefault: "default" in the given namespace, else the VaultAuth\'s, then the operator\'s', () => {
  const g = (r: Record<string, unknown>) => { const x = parseGlobalRef({ vaultAuthGlobalRef: r }); assert.ok(x); return globalCandidates(x, 'apps', 'ward'); };
  assert.deepEqual(g({ name: 'shared' }), [{ namespace: 'apps', name: 'shared' }]);
  assert.deepEqual(g({ name: 'shared', namespace: 'platform' }), [{ namespace: 'platform', name: 'shared' }]);
  assert.deepEqual(g({ allowDefault: true, namespace: 'platform' }), [{ namespace: 'platform', name: 'default' }]);
  assert.deepEqual(g({ allowDefault: true }), [{ namespace: 'apps', name: 'default' }, { namespace: 'ward', name: 'default' }]);
});

test('allowedNamespaces as VSO: own namespace and the operator\'s "default" always; ["*"] all; otherwise listed only', () => {
  const cases: Array<[string, string, string, string[] | undefined, boolean]> = [
    ['apps', 'x', 'apps', undefined, true],
    ['ward', 'default', 'apps', undefined, true],
    ['ward', 'shared', 'apps', undefined, false],
    ['ward', 'shared', 'apps', [], false],
    ['ward', 'shared', 'apps', ['*'], true],
    ['ward', 'shared', 'apps', ['a', 'apps'], true],
    ['ward', 'shared', 'apps', ['a', 'b'], false],
  ];
  for (const [ns, name, target, allowed, want] of cases) assert.equal(isAllowedNamespace({ namespace: ns, name }, target, allowed, 'ward'), want, `${ns}/${name} → ${target} ${JSON.stringify(allowed)}`);
});
