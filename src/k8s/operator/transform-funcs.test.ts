import assert from 'node:assert/strict';
import { test } from 'node:test';
import { transformFuncs } from './transform-funcs.js';
import { execute, parseTemplate, type Value } from './template-engine.js';

const data: Value = {
  Secrets: { username: 'app', password: 'p<&>', port: 5432, tags: ['a', 'b'], host: 'db.apps.svc', csv: 'x,y,,z', pad: '  hi  ' },
  Metadata: { version: 3 },
  Annotations: { team: 'payments' },
  Labels: { app: 'web' },
};

// Expected outputs are Go text/template + sprig's own (rendered with golang-github-masterminds-sprig-dev
// over the same data), so the helpers behave as VSO's do, argument order included.
const CASES: Array<[template: string, want: string]> = [
  ["{{ get .Secrets \"username\" }}|{{ get .Secrets \"nope\" }}", "app|"],
  ["{{ hasKey .Secrets \"port\" }} {{ hasKey .Secrets \"x\" }}", "true false"],
  ["{{ keys .Annotations }}", "[team]"],
  ["{{ values .Labels }}", "[web]"],
  ["{{ pick .Secrets \"username\" \"host\" | toJson }}", "{\"host\":\"db.apps.svc\",\"username\":\"app\"}"],
  ["{{ omit .Secrets \"password\" \"tags\" \"csv\" \"pad\" | toJson }}", "{\"host\":\"db.apps.svc\",\"port\":5432,\"username\":\"app\"}"],
  ["{{ dict \"a\" 1 \"b\" \"two\" | toJson }}", "{\"a\":1,\"b\":\"two\"}"],
  ["{{ list 1 \"x\" .Secrets.tags | toJson }}", "[1,\"x\",[\"a\",\"b\"]]"],
  ["{{ first .Secrets.tags }} {{ last .Secrets.tags }}", "a b"],
  ["{{ has \"a\" .Secrets.tags }} {{ has \"z\" .Secrets.tags }}", "true false"],
  ["{{ list \"b\" \"a\" \"b\" | uniq | toJson }} {{ list \"b\" \"a\" \"c\" | sortAlpha | toJson }}", "[\"b\",\"a\"] [\"a\",\"b\",\"c\"]"],
  ["{{ append .Secrets.tags \"c\" | toJson }}", "[\"a\",\"b\",\"c\"]"],
  ["{{ .Secrets.nope | default \"dflt\" }} {{ \"\" | default \"e\" }} {{ .Secrets.username | default \"x\" }}", "dflt e app"],
  ["{{ empty .Secrets.nope }} {{ empty \"\" }} {{ empty .Secrets.tags }}", "true true false"],
  ["{{ coalesce .Secrets.nope \"\" .Secrets.username }}", "app"],
  ["{{ ternary \"yes\" \"no\" true }} {{ ternary \"yes\" \"no\" false }}", "yes no"],
  ["{{ toString .Secrets.port }} {{ toString .Secrets.username }}", "5432 app"],
  ["{{ upper .Secrets.username }} {{ lower \"ABC\" }} {{ title \"hello world\" }}", "APP abc Hello World"],
  ["[{{ trim .Secrets.pad }}] [{{ trimAll \"$\" \"$$5.00$\" }}] [{{ trimPrefix \"db.\" .Secrets.host }}] [{{ trimSuffix \".svc\" .Secrets.host }}]", "[hi] [5.00] [apps.svc] [db.apps]"],
  ["{{ nospace \"a b  c\" }}", "abc"],
  ["{{ replace \".\" \"-\" .Secrets.host }}", "db-apps-svc"],
  ["{{ repeat 3 \"ab\" }}", "ababab"],
  ["{{ substr 0 2 .Secrets.host }} {{ substr 3 -1 .Secrets.host }}", "db apps.svc"],
  ["{{ trunc 4 .Secrets.host }} {{ trunc -3 .Secrets.host }}", "db.a svc"],
  ["{{ contains \"apps\" .Secrets.host }} {{ hasPrefix \"db\" .Secrets.host }} {{ hasSuffix \"svc\" .Secrets.host }}", "true true true"],
  ["{{ quote .Secrets.username \"x\" }} {{ squote .Secrets.username }}", "\"app\" \"x\" 'app'"],
  ["{{ cat .Secrets.username \"b\" 3 }}", "app b 3"],
  ["{{ indent 2 \"a\\nb\" }}|{{ nindent 2 \"a\" }}", "  a\n  b|\n  a"],
  ["{{ join \",\" .Secrets.tags }} {{ join \"-\" (list 1 2) }}", "a,b 1-2"],
  ["{{ splitList \",\" .Secrets.csv | toJson }}", "[\"x\",\"y\",\"\",\"z\"]"],
  ["{{ $p := split \".\" .Secrets.host }}{{ $p._0 }} {{ $p._2 }}", "db svc"],
  ["{{ regexMatch \"^db\\\\.\" .Secrets.host }} {{ regexFind \"[a-z]+\" .Secrets.host }}", "true db"],
  ["{{ regexReplaceAll \"(a)(p)\" \"apps\" \"${2}$1\" }}", "paps"],
  ["{{ b64enc .Secrets.username }} {{ b64dec \"YXBw\" }}", "YXBw app"],
  ["{{ sha256sum .Secrets.username }}", "a172cedcae47474b615c54d510a5d84a8dea3032e958587430b413538be3f333"],
  ["{{ .Secrets | toJson }}", "{\"csv\":\"x,y,,z\",\"host\":\"db.apps.svc\",\"pad\":\"  hi  \",\"password\":\"p\\u003c\\u0026\\u003e\",\"port\":5432,\"tags\":[\"a\",\"b\"],\"username\":\"app\"}"],
  ["{{ .Secrets.tags | toPrettyJson }}", "[\n  \"a\",\n  \"b\"\n]"],
  ["{{ .Secrets | toRawJson }}", "{\"csv\":\"x,y,,z\",\"host\":\"db.apps.svc\",\"pad\":\"  hi  \",\"password\":\"p<&>\",\"port\":5432,\"tags\":[\"a\",\"b\"],\"username\":\"app\"}"],
  ["{{ (fromJson \"{\\\"a\\\":1}\").a }} {{ fromJson \"bad\" | toJson }}", "1 null"],
  ["{{ int \"42\" }} {{ atoi \"7\" }} {{ add 1 2 3 }} {{ add1 4 }} {{ sub 10 3 }} {{ mul 2 3 4 }} {{ div 7 2 }} {{ mod 7 3 }} {{ max 1 9 3 }} {{ min 4 2 8 }}", "42 7 6 5 7 24 3 1 9 2"],
  ["{{ printf \"%s:%v\" .Secrets.username .Secrets.port }}", "app:5432"],
  ["{{ .Metadata.version }} {{ .Secrets.port }}", "3 5432"],
  ["{{ len .Secrets.tags }} {{ index .Secrets.tags 1 }} {{ index .Secrets \"host\" }}", "2 b db.apps.svc"],
];

test('the sprig helpers render as Go\'s text/template with sprig does', async () => {
  const wrong: string[] = [];
  for (const [text, want] of CASES) {
    const got = await execute(parseTemplate(text), { funcs: transformFuncs(), errorOnMissingKey: false }, data).catch((e: Error) => `ERROR ${e.message}`);
    if (got !== want) wrong.push(`${text}\n  want ${JSON.stringify(want)}\n  got  ${JSON.stringify(got)}`);
  }
  assert.deepEqual(wrong, []);
});

test('no environment, files or Consul: those functions do not exist in a destination template', async () => {
  for (const fn of ['env', 'mustEnv', 'file', 'secret', 'key', 'writeToFile']) {
    await assert.rejects(execute(parseTemplate(`{{ ${fn} "x" }}`), { funcs: transformFuncs(), errorOnMissingKey: false }, data), new RegExp(`function "${fn}" not defined`), fn);
  }
});
