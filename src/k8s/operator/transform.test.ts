import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTransformation, SpecError, type Transformation } from './spec.js';
import { parseSecretTransformation, transformSecretData, type SecretTransformationSpec, type TransformInput } from './transform.js';

const kv2Raw = { data: { username: 'app', password: 'p<&>', port: 5432, tags: ['a', 'b'] }, metadata: { version: 3, created_time: '2026-01-01T00:00:00Z' } };
const input = (over: Partial<TransformInput> = {}): TransformInput => ({ secrets: kv2Raw.data, raw: kv2Raw, annotations: { team: 'payments' }, labels: { app: 'web' }, ...over });
const t = (v: Record<string, unknown>): Transformation => parseTransformation(v, 'spec.destination.transformation') as Transformation;
const owner = { namespace: 'apps', name: 'db' };
const decoded = (d: Record<string, string>) => Object.fromEntries(Object.entries(d).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));

async function run(tf: Transformation | undefined, refs: Record<string, SecretTransformationSpec> = {}, i = input()) {
  const r = await transformSecretData(i, tf, new Map(Object.entries(refs)), owner);
  return { data: decoded(r.data), templated: r.templated };
}

test('without a transformation: one key per field (strings as-is, others JSON) plus _raw, as before', async () => {
  const { data, templated } = await run(undefined);
  assert.deepEqual(data, { username: 'app', password: 'p<&>', port: '5432', tags: '["a","b"]', _raw: JSON.stringify(kv2Raw) });
  assert.equal(templated, false);
});

test('templates render Go template syntax over .Secrets, .Metadata, .Annotations and .Labels with sprig helpers', async () => {
  const cases: Array<[string, string]> = [
    ['{{ .Secrets.username }}:{{ .Secrets.password }}', 'app:p<&>'],
    ['{{- printf "postgres://%s:%s@db:%v" (get .Secrets "username") (get .Secrets "password") .Secrets.port -}}', 'postgres://app:p<&>@db:5432'],
    ['v{{ .Metadata.version }} {{ .Annotations.team }} {{ .Labels.app }}', 'v3 payments web'],
    ['{{ range $k, $v := .Secrets }}{{ $k | upper }};{{ end }}', 'PASSWORD;PORT;TAGS;USERNAME;'],
    ['{{ .Secrets.username | b64enc }} {{ "YXBw" | b64dec }}', 'YXBw app'],
    ['{{ .Secrets | toJson }}', '{"password":"p\\u003c\\u0026\\u003e","port":5432,"tags":["a","b"],"username":"app"}'],
    ['{{ get .Secrets "missing" | default "none" }} {{ hasKey .Secrets "port" }}', 'none true'],
    ['{{ join "," .Secrets.tags }} {{ .Secrets.username | quote }} {{ replace "a" "A" .Secrets.username }}', 'a,b "app" App'],
    ['{{ .Secrets.nothing }}', '<no value>'],
  ];
  for (const [text, want] of cases) {
    const { data, templated } = await run(t({ templates: { out: { text } }, excludes: ['.*'] }));
    assert.equal(data['out'], want, text);
    assert.equal(templated, true);
  }
});

test('includes and excludes filter the untemplated keys (excludes first); templated keys and _raw stay', async () => {
  const cases: Array<[Record<string, unknown>, string[]]> = [
    [{ excludes: ['^pass'] }, ['_raw', 'port', 'tags', 'username']],
    [{ includes: ['^user', 'port'] }, ['_raw', 'port', 'username']],
    [{ includes: ['^(user|pass)'], excludes: ['word$'] }, ['_raw', 'username']],
    [{ excludes: ['.*'], templates: { url: { text: 'x' } } }, ['_raw', 'url']],
    [{ excludes: ['.*'], excludeRaw: true }, []],
  ];
  for (const [spec, keys] of cases) assert.deepEqual(Object.keys((await run(t(spec))).data).sort(), keys, JSON.stringify(spec));
});

test('a template writing a key of the same name as a field wins over the field', async () => {
  const { data } = await run(t({ templates: { username: { text: '{{ .Secrets.username | upper }}' } } }));
  assert.equal(data['username'], 'APP');
});

test('SecretTransformation refs: all its templates, or only templateRefs (with keyOverride); its filters unless ignored', async () => {
  const shared = parseSecretTransformation({ metadata: { namespace: 'apps', name: 'shared' }, spec: { templates: { dsn: { text: 'dsn={{ .Secrets.username }}' }, other: { text: 'o' } }, excludes: ['^pass'], includes: ['.*'] } });
  const refs = { 'apps/shared': shared };
  const all = await run(t({ transformationRefs: [{ name: 'shared' }] }), refs);
  assert.deepEqual(Object.keys(all.data).sort(), ['_raw', 'dsn', 'other', 'port', 'tags', 'username']);
  assert.equal(all.data['dsn'], 'dsn=app');
  const picked = await run(t({ transformationRefs: [{ name: 'shared', templateRefs: [{ name: 'dsn', keyOverride: 'DATABASE_URL' }], ignoreExcludes: true }], excludes: ['^(port|tags)$'] }), refs);
  assert.deepEqual(Object.keys(picked.data).sort(), ['DATABASE_URL', '_raw', 'password', 'username']);
  // Inline templates win over a referenced template of the same key.
  const inline = await run(t({ templates: { dsn: { text: 'mine' } }, transformationRefs: [{ name: 'shared' }] }), refs);
  assert.equal(inline.data['dsn'], 'mine');
});

test('problems are SpecErrors naming the template or reference, and never print secret values', async () => {
  const shared = parseSecretTransformation({ metadata: { namespace: 'apps', name: 'shared' }, spec: { templates: { dsn: { text: 'x' } } } });
  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{ templates: { a: { text: '{{ .Secrets.username ' } } }, /^spec\.destination\.transformation\.templates\.a: template "apps\/db\/a": line 1: /],
    [{ templates: { a: { text: '{{ nosuchfn .Secrets }}' } } }, /^spec\.destination\.transformation\.templates\.a: template "apps\/db\/a": line 1: function "nosuchfn" not defined$/],
    [{ templates: { a: { text: '{{ range .Secrets.username }}{{ end }}' } } }, /^spec\.destination\.transformation\.templates\.a: template "apps\/db\/a": line 1: range can't iterate over <redacted>$/],
    [{ templates: { a: { text: '{{ b64dec .Secrets.tags }}' } } }, /<redacted>$/],
    [{ transformationRefs: [{ name: 'gone' }] }, /^spec\.destination\.transformation\.transformationRefs\[0\]: SecretTransformation apps\/gone not found$/],
    [{ transformationRefs: [{ name: 'shared' }, { namespace: 'apps', name: 'shared' }] }, /^spec\.destination\.transformation\.transformationRefs\[1\]: duplicate SecretTransformation apps\/shared$/],
    [{ transformationRefs: [{ name: 'shared', templateRefs: [{ name: 'nope' }] }] }, /^spec\.destination\.transformation\.transformationRefs\[0\]\.templateRefs\[0\]: template "nope" not found in SecretTransformation apps\/shared$/],
    [{ templates: { _raw: { text: 'x' } } }, /^spec\.destination\.transformation\.templates\._raw: key "_raw" is reserved for the raw response \(set excludeRaw\)$/],
  ];
  for (const [spec, re] of bad) {
    await assert.rejects(run(t(spec), { 'apps/shared': shared }), (e: unknown) => {
      assert.ok(e instanceof SpecError, String(e));
      assert.match(e.message, re);
      assert.doesNotMatch(e.message, /p<&>|"app"|\[a b\]/, 'no secret value in the message');
      return true;
    }, JSON.stringify(spec));
  }
});

test('a SecretTransformation is parsed; a bad one is a SpecError naming its field', () => {
  assert.deepEqual(parseSecretTransformation({ metadata: { namespace: 'apps', name: 'st' }, spec: { templates: { a: { text: 'x' } }, includes: ['a'] } }), { templates: { a: { name: '', text: 'x' } }, sourceTemplates: [], includes: ['a'], excludes: [] });
  assert.throws(() => parseSecretTransformation({ metadata: {}, spec: { excludes: ['['] } }), { name: 'SpecError', message: 'spec.excludes[0]: invalid regular expression "["' });
  assert.throws(() => parseSecretTransformation({ metadata: {}, spec: { templates: { a: {} } } }), { name: 'SpecError', message: 'spec.templates.a.text: required' });
});
