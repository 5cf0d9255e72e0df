import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execute, type TemplateFunc } from './eval.js';
import { kvV2Path, writeBody } from './fetch.js';
import type { Value } from './format.js';
import { sprintf } from './format.js';
import { builtinFuncs } from './functions.js';
import { TemplateSyntaxError } from './lexer.js';
import { parseTemplate } from './parser.js';
import { toJSONPretty, toYAML } from './serialize.js';

const kv2: Value = { Data: { data: { user: 'alice', pass: 'p<&>', tags: ['a', 'b'], n: 3 }, metadata: { version: 7 } }, LeaseID: '', LeaseDuration: 0, Renewable: false };

async function render(src: string, o: { missing?: boolean; secrets?: Record<string, Value>; env?: NodeJS.ProcessEnv; l?: string; r?: string } = {}): Promise<string> {
  const calls: string[] = [];
  const funcs: Record<string, TemplateFunc> = {
    ...builtinFuncs(o.env ?? {}),
    secret: (p, ...args) => {
      calls.push([p, ...args].join(' '));
      return (o.secrets ?? { 'secret/app': kv2 })[String(p)];
    },
  };
  return execute(parseTemplate(src, o.l, o.r), { funcs, errorOnMissingKey: o.missing ?? false });
}

test('with secret, KV v2 fields, range over maps and lists, variables', async () => {
  const out = await render('{{ with secret "secret/app" }}{{ .Data.data.user }} v{{ .Data.metadata.version }}\n{{ range $k, $v := .Data.data }}{{ $k }}={{ $v }};{{ end }}\n{{ range $i, $t := .Data.data.tags }}{{ $i }}:{{ $t }} {{ end }}{{ end }}');
  assert.equal(out, 'alice v7\nn=3;pass=p<&>;tags=[a b];user=alice;\n0:a 1:b ');
});

test('with skips empty values and takes else; if / else if / else', async () => {
  assert.equal(await render('{{ with secret "secret/app" }}{{ with .Data.data.nope }}yes{{ else }}no{{ end }}{{ end }}'), 'no');
  const t = '{{ with secret "secret/app" }}{{ if eq .Data.data.user "bob" }}B{{ else if eq .Data.data.user "alice" }}A{{ else }}?{{ end }}{{ end }}';
  assert.equal(await render(t), 'A');
  assert.equal(await render('{{ if and 1 "" }}t{{ else }}f{{ end }}{{ if or 0 "x" }}T{{ end }}{{ if not "" }}N{{ end }}'), 'fTN');
});

test('trim markers and comments', async () => {
  assert.equal(await render('a  {{- /* gone */ -}}  b\n{{- "c" }}\n'), 'abc\n');
});

test('missing keys print <no value>, or fail with error_on_missing_key', async () => {
  assert.equal(await render('{{ with secret "secret/app" }}[{{ .Data.data.nope }}]{{ end }}'), '[<no value>]');
  await assert.rejects(render('{{ with secret "secret/app" }}{{ .Data.data.nope }}{{ end }}', { missing: true }), /line 1: map has no entry for key "nope"/);
  await assert.rejects(render('{{ with secret "secret/app" }}\n{{ .Data.nope.deeper }}{{ end }}'), /line 2: nil pointer evaluating \.Data\.nope\.deeper/);
});

test('functions: printf, toJSON (HTML-escaped), base64, env, split/join, index, contains, trimSpace', async () => {
  const t = '{{ with secret "secret/app" }}{{ printf "%s:%05d:%q:%v" .Data.data.user .Data.data.n "x" .Data.data.tags }}|{{ .Data.data | toJSON }}|{{ .Data.data.user | base64Encode | base64Decode }}|{{ env "POD" }}|{{ "a,b,c" | split "," | join "+" }}|{{ index .Data.data.tags 1 }}|{{ index .Data.data "user" }}|{{ .Data.data.tags | contains "b" }}|{{ "  x " | trimSpace }}{{ end }}';
  assert.equal(await render(t, { env: { POD: 'pod-1' } }), 'alice:00003:"x":[a b]|{"n":3,"pass":"p\\u003c\\u0026\\u003e","tags":["a","b"],"user":"alice"}|alice|pod-1|a+b+c|b|alice|true|x');
});

test('secret with write arguments and a parenthesised call with a field chain', async () => {
  const secrets = { 'pki/issue/web': { Data: { certificate: 'CERT' } } };
  assert.equal(await render('{{ (secret "pki/issue/web" "common_name=a.b").Data.certificate }}', { secrets }), 'CERT');
  assert.equal(await render('{{ with secret (printf "secret/%s" "app") }}{{ .Data.data.user }}{{ end }}'), 'alice');
});

test('custom delimiters leave {{ }} alone', async () => {
  assert.equal(await render('{{ raw }} <% with secret "secret/app" %><% .Data.data.user %><% end %>', { l: '<%', r: '%>' }), '{{ raw }} alice');
});

test('consul-only functions fail with a clear message', async () => {
  await assert.rejects(render('{{ key "service/x" }}'), /error calling key: key reads Consul's KV store/);
  await assert.rejects(render('{{ keyOrDefault "x" "d" }}'), /keyOrDefault reads Consul/);
});

test('syntax errors carry the template line', () => {
  assert.throws(() => parseTemplate('a\nb {{ if .x }}\n'), (e: unknown) => e instanceof TemplateSyntaxError && e.line === 2 && /missing \{\{end\}\}/.test(e.message));
  assert.throws(() => parseTemplate('{{ end }}'), /unexpected \{\{end\}\}/);
  assert.throws(() => parseTemplate('{{ "unterminated }}'), /unterminated quoted string/);
  assert.throws(() => parseTemplate('{{ .a | }}'), /missing command/);
  assert.throws(() => parseTemplate('x {{ .a'), /unclosed action/);
});

test('toYAML and toJSONPretty', () => {
  const v: Value = { b: { list: ['x', 'y: z'], empty: [] }, a: 'multi\nline', c: 'true', d: 1 };
  assert.equal(toYAML(v), 'a: |-\n  multi\n  line\nb:\n  empty: []\n  list:\n  - x\n  - "y: z"\nc: "true"\nd: 1');
  assert.equal(toJSONPretty({ b: 1, a: [true] }), '{\n  "a": [\n    true\n  ],\n  "b": 1\n}');
});

test('sprintf verbs', () => {
  assert.equal(sprintf('%s=%d %5s|%-4s|%x %.2f %t %%', ['a', 42, 'r', 'l', 255, 3.14159, true]), 'a=42     r|l   |ff 3.14 true %');
  assert.equal(sprintf('%d', ['x']), '%!d(string=x)');
  assert.equal(sprintf('%s', []), '%!s(MISSING)');
});

test('KV v2 path shim and write bodies', () => {
  assert.equal(kvV2Path('secret/app/db', 'secret/'), 'secret/data/app/db');
  assert.equal(kvV2Path('secret/data/app', 'secret/'), 'secret/data/app');
  assert.equal(kvV2Path('secret/metadata/app', 'secret/'), 'secret/metadata/app');
  assert.equal(kvV2Path('secret', 'secret/'), 'secret/data');
  assert.equal(kvV2Path('team/kv/x', 'team/kv/'), 'team/kv/data/x');
  assert.deepEqual(writeBody(['common_name=a.b', 'ttl=1h', 'x=a=b']), { common_name: 'a.b', ttl: '1h', x: 'a=b' });
  assert.throws(() => writeBody(['novalue']), /invalid key=value/);
});
