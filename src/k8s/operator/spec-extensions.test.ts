import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergePaths, parseWardExtensions } from './spec-extensions.js';
import { SpecError } from './spec.js';

const cr = (spec: Record<string, unknown>) => ({ metadata: { namespace: 'apps', name: 's' }, spec: { mount: 'secret', path: 'app/a', type: 'kv-v2', destination: { name: 'd' }, ...spec } });

test('Ward\'s extensions default to what VSO does: a Secret from one path', () => {
  assert.deepEqual(parseWardExtensions(cr({})), { destinationKind: 'Secret', additionalPaths: [] });
});

test('destination.kind ConfigMap and additionalPaths (mount defaulting to spec.mount, optional keyPrefix)', () => {
  const x = parseWardExtensions(cr({
    destination: { name: 'd', kind: 'ConfigMap' },
    additionalPaths: [{ path: '/app/b/' }, { path: 'shared/db', mount: 'kv1/', keyPrefix: 'db_' }],
  }));
  assert.deepEqual(x, { destinationKind: 'ConfigMap', additionalPaths: [{ mount: 'secret', path: 'app/b', keyPrefix: '' }, { mount: 'kv1', path: 'shared/db', keyPrefix: 'db_' }] });
});

test('bad extensions are SpecErrors naming the field', () => {
  const bad: Array<[Record<string, unknown>, string]> = [
    [{ destination: { name: 'd', kind: 'Pod' } }, 'spec.destination.kind: unsupported value "Pod": supported values: "Secret", "ConfigMap"'],
    [{ destination: { name: 'd', kind: 'ConfigMap', type: 'Opaque' } }, 'spec.destination.type: not allowed with destination.kind ConfigMap (a ConfigMap has no type)'],
    [{ additionalPaths: 'app/b' }, 'spec.additionalPaths: must be a list'],
    [{ additionalPaths: [{}] }, 'spec.additionalPaths[0].path: required'],
    [{ additionalPaths: [{ path: 'x', keyPrefix: 'a/b' }] }, 'spec.additionalPaths[0].keyPrefix: must consist of alphanumeric characters, "-", "_" or "."'],
    [{ additionalPaths: [{ path: 'x', mount: 3 }] }, 'spec.additionalPaths[0].mount: must be a string'],
  ];
  for (const [spec, message] of bad) assert.throws(() => parseWardExtensions(cr(spec)), (e: unknown) => e instanceof SpecError && e.message === message, message);
});

const b64 = (s: string) => Buffer.from(s).toString('base64');

test('merged paths: the main path\'s keys and _raw, then each additional path\'s fields with its prefix', () => {
  const main = { user: b64('u'), _raw: b64('{}') };
  assert.deepEqual(mergePaths(main, [{ data: { host: b64('db'), _raw: b64('{"x":1}') }, keyPrefix: '' }, { data: { user: b64('v') }, keyPrefix: 'b_' }]), { user: b64('u'), _raw: b64('{}'), host: b64('db'), b_user: b64('v') });
});

test('a key that two paths would both write is a SpecError naming both', () => {
  const cases: Array<[Array<{ data: Record<string, string>; keyPrefix: string }>, string]> = [
    [[{ data: { user: 'x' }, keyPrefix: '' }], 'spec.additionalPaths[0]: key "user" also comes from spec.path (set a keyPrefix)'],
    [[{ data: { a: 'x' }, keyPrefix: '' }, { data: { a: 'y' }, keyPrefix: '' }], 'spec.additionalPaths[1]: key "a" also comes from spec.additionalPaths[0] (set a keyPrefix)'],
    [[{ data: { raw: 'x' }, keyPrefix: '_' }], 'spec.additionalPaths[0]: key "_raw" also comes from spec.path (set a keyPrefix)'],
  ];
  for (const [extras, message] of cases) assert.throws(() => mergePaths({ user: 'u', _raw: 'r' }, extras), (e: unknown) => e instanceof SpecError && e.message === message, message);
});
