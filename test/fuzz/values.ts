/**
 * The hostile values, as JSON text fragments rather than JS values: "400 nines", `-0`,
 * a lone surrogate `"\ud800"` or invalid UTF-8 bytes cannot survive a round trip through
 * JSON.stringify, and they are exactly what a client can put on the wire.
 */

export interface Fragment {
  /** Short name shown in reports: `nines-400`, `lone-high-surrogate`. */
  label: string;
  /** JSON text placed in the body as the field's value. */
  json: string;
  /** Raw bytes to use instead of `json` (invalid UTF-8 on purpose). */
  bytes?: Buffer;
  /** The value as a percent-encoded query parameter, when it has one. */
  query?: string;
}

/** Percent-encodes every code unit as UTF-8, lone surrogates as their 3-byte (WTF-8) form. */
export function pctEncodeWtf8(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const next = s.charCodeAt(i + 1);
    if (c >= 0xd800 && c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      out += encodeURIComponent(s.slice(i, i + 2));
      i++;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      out += `%${(0xe0 | (c >> 12)).toString(16).toUpperCase()}%${(0x80 | ((c >> 6) & 0x3f)).toString(16).toUpperCase()}%${(0x80 | (c & 0x3f)).toString(16).toUpperCase()}`;
    } else {
      out += encodeURIComponent(s[i] as string);
    }
  }
  return out;
}

/** A fragment holding a JSON string given as its *escaped* JSON text (so `\ud800` stays lone). */
function str(label: string, escapedBody: string, decoded?: string): Fragment {
  const json = `"${escapedBody}"`;
  const value = decoded ?? (JSON.parse(json) as string);
  return { label, json, query: pctEncodeWtf8(value) };
}

/** A fragment of any other JSON text; its query form is the text itself. */
function raw(label: string, json: string): Fragment {
  return { label, json, query: pctEncodeWtf8(json) };
}

/** A JSON string whose middle is raw bytes (invalid UTF-8). */
function bytesStr(label: string, middle: number[]): Fragment {
  const bytes = Buffer.concat([Buffer.from('"a'), Buffer.from(middle), Buffer.from('b"')]);
  return { label, json: bytes.toString('latin1'), bytes, query: `a${middle.map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('')}b` };
}

const NINES_400 = '9'.repeat(400);

/** Values of the wrong JSON type for most fields. */
export const WRONG_TYPES: readonly Fragment[] = [
  raw('empty-object', '{}'),
  raw('object', '{"a":1,"b":"c"}'),
  raw('empty-array', '[]'),
  raw('mixed-array', '[1,"a",null,true,{}]'),
  raw('nested-array', '[[["x"]]]'),
  raw('true', 'true'),
  raw('false', 'false'),
  raw('null', 'null'),
  raw('zero', '0'),
  raw('one', '1'),
  raw('minus-one', '-1'),
  raw('float', '1.5'),
  str('empty-string', ''),
  str('string', 'fz'),
  str('space', ' '),
  raw('object-of-objects', '{"":{"":{}}}'),
  raw('proto-object', '{"__proto__":{"polluted":1}}'),
  raw('array-of-objects', '[{"a":1},{"b":[2]}]'),
];

/** Boundary numbers, as JSON numbers and as the numeric strings CLIs send. */
export const NUMBERS: readonly Fragment[] = [
  raw('0', '0'),
  raw('-0', '-0'),
  raw('-1', '-1'),
  raw('1', '1'),
  raw('100', '100'),
  raw('101', '101'),
  raw('150', '150'),
  raw('199', '199'),
  raw('299', '299'),
  raw('304', '304'),
  raw('600', '600'),
  raw('999', '999'),
  raw('1024', '1024'),
  raw('8192', '8192'),
  raw('65536', '65536'),
  raw('2^31-1', '2147483647'),
  raw('2^31', '2147483648'),
  raw('-2^31-1', '-2147483649'),
  raw('2^32', '4294967296'),
  raw('2^53-1', '9007199254740991'),
  raw('2^53+1', '9007199254740993'),
  raw('2^63-1', '9223372036854775807'),
  raw('2^63', '9223372036854775808'),
  raw('-2^63-1', '-9223372036854775809'),
  raw('2^64', '18446744073709551616'),
  raw('1e308', '1e308'),
  raw('-1e308', '-1e308'),
  raw('1e400', '1e400'),
  raw('-1e400', '-1e400'),
  raw('nines-400', NINES_400),
  raw('-nines-400', `-${NINES_400}`),
  raw('0.5', '0.5'),
  raw('-1.5', '-1.5'),
  raw('1e-400', '1e-400'),
  raw('5e-324', '5e-324'),
  raw('1E2', '1E2'),
  str('s-nines-400', NINES_400),
  str('s-2^63', '9223372036854775808'),
  str('s-2^53+1', '9007199254740993'),
  str('s-NaN', 'NaN'),
  str('s-Infinity', 'Infinity'),
  str('s--Infinity', '-Infinity'),
  str('s-hex', '0x10'),
  str('s-exp', '1e3'),
  str('s-1e400', '1e400'),
  str('s-padded', ' 1 '),
  str('s-plus', '+1'),
  str('s--0', '-0'),
  str('s-underscore', '1_000'),
  str('s-fullwidth', '\\uff11'),
  str('s-octal', '010'),
];

/** Durations past int64 nanoseconds, negative, fractional and malformed. */
export const DURATIONS: readonly Fragment[] = [
  str('99999999999h', '99999999999h'),
  str('1e400s', '1e400s'),
  str('-1s', '-1s'),
  str('1.5', '1.5'),
  str('1.5h', '1.5h'),
  str('0s', '0s'),
  str('-0s', '-0s'),
  str('2562047h', '2562047h'),
  str('2562048h', '2562048h'),
  str('9223372036s', '9223372036s'),
  str('9223372037s', '9223372037s'),
  str('106752d', '106752d'),
  str('999999999d', '999999999d'),
  str('1h-1m', '1h-1m'),
  str('bare-unit', 'h'),
  str('int-string', '1'),
  str('huge-int-string', '999999999999999999999'),
  str('s-nines-400', NINES_400),
  str('1ns', '1ns'),
  str('1d1d', '1d1d'),
  str('upper', '1H'),
  str('micro', '1\\u00b5s'),
  str('inf', '\\u221e'),
  str('nested-sign', '--1s'),
  raw('n-1e308', '1e308'),
  raw('n-9.3e18', '9300000000000000000'),
  raw('n-nines-400', NINES_400),
  raw('n--1', '-1'),
  raw('n-2^31', '2147483648'),
  raw('n-0.5', '0.5'),
];

/** Labels of the durations past int64 nanoseconds (Vault's range): each must be refused with 400. */
export const OVERFLOW_DURATIONS: readonly string[] = ['99999999999h', '2562048h', '9223372037s', '106752d', '999999999d', 'huge-int-string', 's-nines-400', 'n-1e308', 'n-9.3e18', 'n-nines-400'];

/** The same durations as the text a header carries (`X-Vault-Wrap-TTL`). */
export const OVERFLOW_DURATION_TEXTS: ReadonlySet<string> = new Set(
  DURATIONS.filter((d) => OVERFLOW_DURATIONS.includes(d.label)).map((d) => (d.json.startsWith('"') ? (JSON.parse(d.json) as string) : d.json)),
);

/** Strings a Go server would refuse or mangle: lone surrogates, NUL, control bytes, invalid UTF-8. */
export const BAD_STRINGS: readonly Fragment[] = [
  str('lone-high-surrogate', '\\ud800'),
  str('lone-low-surrogate', 'a\\udc00b'),
  str('reversed-pair', '\\udfff\\ud800'),
  str('surrogate-in-name', 'fz\\udbff'),
  str('nul', '\\u0000'),
  str('nul-inside', 'fz\\u0000x'),
  str('control-chars', '\\u0001\\u001f\\u007f\\u0085'),
  str('crlf', 'fz\\r\\nX-Injected: 1'),
  str('line-separators', '\\u2028\\u2029'),
  str('bom', '\\ufeff'),
  str('non-char', '\\uffff\\ufffe'),
  str('emoji', '\\ud83d\\ude00'),
  str('combining', `a${'\\u0301'.repeat(200)}`),
  str('rtl-override', '\\u202efz'),
  str('percent-nul', '%00'),
  str('dot-dot', '../../etc/passwd'),
  str('template', '{{.Password}}{{range}}'),
  str('sql', "'; DROP TABLE x;--"),
  str('glob', '*'),
  str('commas', 'a,,b, ,c,'),
  str('equals', 'a=b=c'),
  str('format', '%s%n%x%!'),
  str('backslash', '\\\\'),
  str('pem-junk', '-----BEGIN CERTIFICATE-----\\nAAAA\\n-----END CERTIFICATE-----'),
  str('vault-ciphertext', 'vault:v99999999999999999999:AAAA'),
  str('bad-base64', '@@@='),
  str('ipv6-zone', 'fe80::1%eth0'),
  str('cidr-wide', '0.0.0.0/0'),
  str('long-4k', 'x'.repeat(4096)),
  bytesStr('invalid-utf8-ff', [0xff]),
  bytesStr('overlong-slash', [0xc0, 0xaf]),
  bytesStr('utf8-surrogate', [0xed, 0xa0, 0x80]),
  bytesStr('truncated-utf8', [0xe2, 0x82]),
  bytesStr('raw-control', [0x01, 0x0a, 0x00]),
];

const memo = new Map<string, Fragment>();
function lazy(label: string, build: () => Fragment): () => Fragment {
  return () => {
    let f = memo.get(label);
    if (!f) memo.set(label, (f = build()));
    return f;
  };
}

const MIB = 1024 * 1024;

/**
 * Megabyte strings (first three), long runs of escapes (two), lists and maps five times
 * Vault's default element and entry limits (10,000) (four); built once, on first use.
 */
export const HUGE: readonly (() => Fragment)[] = [
  lazy('str-1mib', () => ({ label: 'str-1mib', json: `"${'a'.repeat(MIB + 1)}"` })),
  lazy('str-1mib-multibyte', () => ({ label: 'str-1mib-multibyte', json: `"${'\u00fc'.repeat(MIB / 2 + 1)}"` })),
  lazy('str-2mib-name', () => ({ label: 'str-2mib-name', json: `"${'fz.'.repeat((2 * MIB) / 3)}example.com"` })),
  lazy('str-escaped-nuls', () => ({ label: 'str-escaped-nuls', json: `"${'\\u0000'.repeat(200_000)}"` })),
  lazy('str-surrogates', () => ({ label: 'str-surrogates', json: `"${'\\ud800'.repeat(200_000)}"` })),
  lazy('commas-100k', () => ({ label: 'commas-100k', json: `"${',a'.repeat(100_000)}"` })),
  lazy('array-100k', () => ({ label: 'array-100k', json: `[${'1,'.repeat(99_999)}1]` })),
  lazy('array-50k-strings', () => ({ label: 'array-50k-strings', json: `[${'"a",'.repeat(49_999)}"a"]` })),
  lazy('object-50k', () => ({ label: 'object-50k', json: `{${Array.from({ length: 50_000 }, (_, i) => `"k${i}":1`).join(',')}}` })),
];

/** Deeply nested JSON values (Vault's listener refuses depth > 500). */
export function nested(kind: 'array' | 'object' | 'mixed', depth: number): Fragment {
  const label = `${kind}-depth-${depth}`;
  const known = memo.get(label);
  if (known) return known;
  let json: string;
  if (kind === 'array') json = `${'['.repeat(depth)}${']'.repeat(depth)}`;
  else if (kind === 'object') json = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
  else json = `${'{"a":['.repeat(depth / 2)}1${']}'.repeat(depth / 2)}`;
  const f = { label, json };
  memo.set(label, f);
  return f;
}

export const NEST_DEPTHS: readonly number[] = [501, 1000, 5000, 20_000];
