/**
 * Generators that attack the request around the fields: path slots, the path itself,
 * the method, the token, headers and the shape of the body. Each family is one kind of
 * trick; the schedule tries every family on every target in turn.
 */
import { assemble, concretePath, fieldTexts, GARBAGE_TOKENS, jsonBody, pickOp, WRITE_OPS } from './build.js';
import type { Target } from './catalogue.js';
import type { Generator } from './gen-fields.js';
import type { Rng } from './prng.js';
import type { FuzzRequest } from './request.js';
import { BAD_STRINGS, DURATIONS, pctEncodeWtf8 } from './values.js';

/** A plausible request for `t` (root token unless told), for generators that vary the frame. */
function plausible(index: number, t: Target, rng: Rng, generator: string, note: string): FuzzRequest {
  const op = pickOp(t, rng, 0.6);
  return assemble(index, { generator, note, target: t, op, rng, fields: fieldTexts(t, rng, new Map()), token: { kind: 'root' } });
}

const withSlots = (targets: readonly Target[]): Target[] => targets.filter((t) => t.slots.length > 0);

/** Hostile slot text, already as it goes into the URL. */
const SLOT_ATTACKS: readonly (readonly string[])[] = [
  ['%ED%A0%80', 'fz%ED%B0%80', '%ED%B0%80%ED%A0%80'],
  ['%00', 'fz%00x', '%01%1F%7F'],
  ['..', '.', '%2e%2e', '%2E', 'fz%2f..%2f..%2fcanary-kv1%2fc1', 'fz/../fz', 'fz/./fz'],
  ['a'.repeat(10_000), 'a'.repeat(70_000)],
  ['%', '%zz', '%C0%AF', '%FF', '%E2%82'],
  ['\u00e9t\u00e9', 'fz%20x', 'fz+x', 'fz%3Fx', 'fz%23x', 'fz%2Fx', 'fz%5C..%5Cx'],
  ['*', 'fz*', '-fz', 'fz.', '.fz', 'FZ', 'fz_', '0', '-1', '99999999999999999999'],
  BAD_STRINGS.map((b) => b.query ?? ''),
];

export const capture: Generator = {
  name: 'capture',
  weight: 8,
  families: SLOT_ATTACKS.length,
  domain: withSlots,
  build(index, t, family, rng) {
    const slot = rng.pick(t.slots);
    const text = rng.pick(SLOT_ATTACKS[family] ?? []);
    const op = pickOp(t, rng, 0.5);
    const path = concretePath(t, rng, { name: slot, text });
    const note = `${slot}=${text.length > 40 ? `${text.slice(0, 30)}…[${text.length}]` : text}`;
    return assemble(index, { generator: 'capture', note, target: t, op, rng, fields: fieldTexts(t, rng, new Map()), path, token: { kind: 'root' } });
  },
};

type Trick = (p: string, mount: string) => { target: string; latin1?: boolean; label: string };

const PATH_TRICKS: readonly Trick[] = [
  () => ({ target: '/v1/', label: '/v1/' }),
  (p) => ({ target: `/v1//${p}`, label: '/v1//p' }),
  () => ({ target: '/v1//', label: '/v1//' }),
  () => ({ target: '/v1///', label: '/v1///' }),
  (p) => ({ target: `//v1/${p}`, label: '//v1/p' }),
  (p) => ({ target: `/v1/${p}//`, label: 'trailing //' }),
  (p) => ({ target: `/v1/${p.replace('/', '//')}`, label: 'inner //' }),
  (p) => ({ target: `/v1/${p}/`, label: 'trailing /' }),
  (p) => ({ target: `/v1/${p}/..`, label: 'trailing /..' }),
  (_p, m) => ({ target: `/v1/${m}../canary-kv1/c1`, label: 'mount/../canary' }),
  (p) => ({ target: `/v1/%2e%2e/${p}`, label: '%2e%2e/' }),
  (p) => ({ target: `/v1/${p}%2f..%2f..%2fcanary-kv1%2fc1`, label: '%2f..%2f traversal' }),
  (p) => ({ target: `/v1/${p}%00`, label: '%00' }),
  (p) => ({ target: `/v1/${p}%`, label: 'lone %' }),
  (p) => ({ target: `/v1/${p}%zz`, label: '%zz' }),
  (p) => ({ target: `/v1/${p}?%zz=1&list=maybe`, label: 'bad query' }),
  (p) => ({ target: `/v1/${p}#frag`, label: '#fragment' }),
  (p) => ({ target: `/v1/${p};x=1`, label: ';params' }),
  (p) => ({ target: `/v1/${p}/${'a'.repeat(65_536)}`, label: '64 KiB path' }),
  (p) => ({ target: `/v1/${p}/${'a'.repeat(12_000)}`, label: '12 KB path' }),
  (p) => ({ target: `/v1/${p}?help=1`, label: '?help=1' }),
  (p) => ({ target: `/v1/${p}?list=true&list=false`, label: 'list twice' }),
  () => ({ target: '/v1', label: '/v1' }),
  () => ({ target: '/', label: '/' }),
  (p) => ({ target: `/v2/${p}`, label: '/v2/' }),
  (p) => ({ target: `http://127.0.0.1/v1/${p}`, label: 'absolute-form' }),
  (p) => ({ target: `/v1/./${p}`, label: '/./' }),
  (p) => ({ target: `/v1/${p}/.`, label: 'trailing /.' }),
  (p) => ({ target: `/V1/${p}`, label: '/V1/' }),
  (p) => ({ target: `/v1/${p.toUpperCase()}`, label: 'upper case' }),
  (p) => ({ target: `/v1/${p}\u00e9`, label: 'raw utf-8' }),
  (p) => ({ target: `/v1/${p}\u00ff\u00fe`, latin1: true, label: 'raw invalid utf-8' }),
  (p) => ({ target: `/v1/${p.replace(/\//g, '%2F')}`, label: '%2F for /' }),
  (p) => ({ target: `/v1/${p}/%ED%A0%80`, label: 'encoded surrogate segment' }),
  (p) => ({ target: `/v1/${p}\\..\\x`, label: 'backslashes' }),
  (p) => ({ target: `/v1/${p}?${'a=1&'.repeat(3000)}`, label: '3000 params' }),
  (p) => ({ target: `/v1/${p}?help=${pctEncodeWtf8('\ud800')}`, label: 'help=surrogate' }),
];

export const pathTrick: Generator = {
  name: 'path-trick',
  weight: 7,
  families: PATH_TRICKS.length,
  domain: (targets) => [...targets],
  build(index, t, family, rng) {
    const base = concretePath(t, rng);
    const trick = (PATH_TRICKS[family] as Trick)(base.path, t.mount);
    const method = rng.pick(['GET', 'GET', 'GET', 'LIST', 'POST', 'DELETE']);
    const token = rng.chance(0.5) ? { kind: 'none' as const } : { kind: 'root' as const };
    return {
      index,
      generator: 'path-trick',
      note: trick.label,
      method,
      target: trick.target,
      ...(trick.latin1 ? { targetLatin1: true } : {}),
      token: { ...token, header: 'x-vault-token' },
      headers: method === 'POST' ? [['Content-Type', 'application/json']] : [],
      body: method === 'POST' ? Buffer.from('{"fz":"1"}') : null,
      mount: t.mount,
      object: base.object,
      targetId: t.id,
    };
  },
};

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'LIST', 'OPTIONS', 'TRACE', 'CONNECT', 'FOO', 'get', 'list', 'PROPFIND', 'M-SEARCH', 'LIS', 'PURGE', 'LIST+body'];

export const method: Generator = {
  name: 'method',
  weight: 6,
  families: METHODS.length,
  domain: (targets) => [...targets],
  build(index, t, family, rng) {
    const r = plausible(index, t, rng, 'method', '');
    const m = METHODS[family] as string;
    const body = m === 'LIST+body' || (m !== 'GET' && m !== 'HEAD' && rng.chance(0.5)) ? jsonBody(fieldTexts(t, rng, new Map())) : null;
    const target = m === 'CONNECT' && rng.chance(0.5) ? 'localhost:8200' : r.target.split('?')[0] ?? r.target;
    return { ...r, method: m === 'LIST+body' ? 'LIST' : m, target, body, note: m, headers: body ? [['Content-Type', 'application/json']] : [] };
  },
};

type TokenTrick = { label: string; apply: (r: FuzzRequest) => FuzzRequest };
const lit = (literal: string, header: 'x-vault-token' | 'bearer' = 'x-vault-token'): FuzzRequest['token'] => ({ kind: 'literal', literal, header });
const TOKEN_TRICKS: readonly TokenTrick[] = [
  { label: 'no token', apply: (r) => ({ ...r, token: { kind: 'none', header: 'x-vault-token' } }) },
  ...GARBAGE_TOKENS.map((g) => ({ label: `garbage ${JSON.stringify(g.slice(0, 20))}`, apply: (r: FuzzRequest) => ({ ...r, token: lit(g) }) })),
  { label: 'default token', apply: (r) => ({ ...r, token: { kind: 'default', header: 'x-vault-token' } }) },
  { label: 'default via Bearer', apply: (r) => ({ ...r, token: { kind: 'default', header: 'bearer' } }) },
  { label: 'root via Bearer', apply: (r) => ({ ...r, token: { kind: 'root', header: 'bearer' } }) },
  { label: 'root + conflicting Bearer', apply: (r) => ({ ...r, headers: [...r.headers, ['Authorization', 'Bearer hvs.garbage']] }) },
  { label: 'duplicate X-Vault-Token', apply: (r) => ({ ...r, headers: [...r.headers, ['X-Vault-Token', 'hvs.garbage']] }) },
  { label: 'Basic auth', apply: (r) => ({ ...r, token: { kind: 'none', header: 'x-vault-token' }, headers: [...r.headers, ['Authorization', 'Basic Zno6Zno=']] }) },
  { label: 'empty Bearer', apply: (r) => ({ ...r, token: lit('', 'bearer') }) },
  { label: 'lowercase bearer', apply: (r) => ({ ...r, token: { kind: 'none', header: 'x-vault-token' }, headers: [...r.headers, ['Authorization', 'bearer hvs.x']] }) },
  { label: 'padded token', apply: (r) => ({ ...r, token: lit('  hvs.padded  ') }) },
  { label: '20 KB token', apply: (r) => ({ ...r, token: lit('A'.repeat(20_000)) }) },
];

export const token: Generator = {
  name: 'token',
  weight: 5,
  families: TOKEN_TRICKS.length,
  domain: (targets) => [...targets],
  build(index, t, family, rng) {
    const trick = TOKEN_TRICKS[family] as TokenTrick;
    return { ...trick.apply(plausible(index, t, rng, 'token', trick.label)), note: trick.label };
  },
};

type HeaderTrick = (r: FuzzRequest, rng: Rng) => FuzzRequest;
const WRAP_TTLS = [...DURATIONS.map((d) => decodeURIComponent(d.query ?? '')), '', 'abc', '1h', '0', '1e400'];
const HEADER_TRICKS: readonly { label: string; apply: HeaderTrick }[] = [
  { label: 'X-Vault-Wrap-TTL', apply: (r, rng) => ({ ...r, headers: [...r.headers, ['X-Vault-Wrap-TTL', rng.pick(WRAP_TTLS)]] }) },
  {
    label: 'content-type',
    apply: (r, rng) => ({
      ...r,
      headers: [['Content-Type', rng.pick(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', '', 'application/merge-patch+json'])]],
      body: rng.chance(0.5) ? Buffer.from('a=b&c=%ED%A0%80') : r.body,
    }),
  },
  { label: 'expect 100-continue', apply: (r) => ({ ...r, headers: [...r.headers, ['Expect', '100-continue']], body: r.body ?? Buffer.from('{}') }) },
  { label: 'expect unknown', apply: (r) => ({ ...r, headers: [...r.headers, ['Expect', '999-weird']] }) },
  { label: 'chunked', apply: (r) => ({ ...r, chunked: 'valid', body: r.body ?? Buffer.from('{"fz":"1"}') }) },
  { label: 'chunked malformed', apply: (r) => ({ ...r, chunked: 'malformed', body: r.body ?? Buffer.from('{"fz":"1"}') }) },
  {
    label: 'vault headers',
    apply: (r, rng) => ({
      ...r,
      headers: [
        ...r.headers,
        [rng.pick(['X-Vault-Namespace', 'X-Vault-Index', 'X-Vault-Forward', 'X-Vault-Inconsistent', 'X-Vault-Policy-Override', 'X-Vault-MFA', 'X-Vault-Request']), rng.pick(['fz/', 'root', '../', 'true', '\u00ff', 'x'.repeat(8000)])],
      ],
    }),
  },
  { label: '300 headers', apply: (r) => ({ ...r, headers: [...r.headers, ...Array.from({ length: 300 }, (_, i): [string, string] => [`X-Fz-${i}`, 'v'])] }) },
  { label: '15 KB header', apply: (r) => ({ ...r, headers: [...r.headers, ['X-Fz', 'v'.repeat(15_000)]] }) },
  { label: 'conflicting Content-Length', apply: (r) => ({ ...r, headers: [...r.headers, ['Content-Length', '1']], body: r.body ?? Buffer.from('{}') }) },
  { label: 'obs-text header', apply: (r) => ({ ...r, headers: [...r.headers, ['X-Fz', '\u00e9\u00ff']] }) },
];

export const header: Generator = {
  name: 'header',
  weight: 6,
  families: HEADER_TRICKS.length,
  domain: (targets) => [...targets],
  build(index, t, family, rng) {
    const trick = HEADER_TRICKS[family] as { label: string; apply: HeaderTrick };
    const r = trick.apply(plausible(index, t, rng, 'header', trick.label), rng);
    const wrap = r.headers.find(([k]) => k === 'X-Vault-Wrap-TTL');
    return { ...r, note: wrap ? `X-Vault-Wrap-TTL: ${JSON.stringify(wrap[1])}` : trick.label };
  },
};

const BODIES: readonly Buffer[] = [
  '',
  ' ',
  '[]',
  '[1,2]',
  '"x"',
  '1',
  'null',
  'true',
  '{',
  '{"a":}',
  '{"a":1}x',
  '{"a":1,"a":{"b":2}}',
  '{"__proto__":{"polluted":1}}',
  '{"constructor":{"prototype":{"polluted":1}}}',
  '\ufeff{}',
  '\n\t {} \n',
  'garbage',
  '{"":""}',
  '{"\\ud800":1}',
  '{"a":NaN}',
  '{"a":Infinity}',
  "{'a':1}",
  '{"a":1,}',
  '{"a":01}',
  '{"a":"\\x41"}',
  '{"a":"\\u12"}',
  '{"a":"',
  '{"a":"x\ty"}',
  `{"a":1}${' '.repeat(1024 * 1024)}`,
].map((s) => Buffer.from(s, 'utf8'));
const BAD_KEY = Buffer.concat([Buffer.from('{"a'), Buffer.from([0xff, 0xfe]), Buffer.from('":1}')]);

export const bodyShape: Generator = {
  name: 'body-shape',
  weight: 4,
  families: BODIES.length + 2,
  domain: (targets) => targets.filter((t) => t.ops.some((o) => WRITE_OPS.includes(o))),
  build(index, t, family, rng) {
    const r = plausible(index, t, rng, 'body-shape', '');
    const field = t.fields[0]?.name ?? 'fz';
    const body =
      family < BODIES.length ? (BODIES[family] as Buffer) : family === BODIES.length ? BAD_KEY : Buffer.from(`{${JSON.stringify(field)}:1,${JSON.stringify(field)}:{"x":[]}}`);
    // Reads and lists carry their data in the query: send those as POST with the odd body.
    const method = r.body !== null ? r.method : 'POST';
    const headers: [string, string][] = [['Content-Type', method === 'PATCH' ? 'application/merge-patch+json' : 'application/json']];
    return { ...r, method, body, headers, note: `body ${JSON.stringify(body.subarray(0, 40).toString('utf8'))}` };
  },
};

export const plausibleGen: Generator = {
  name: 'plausible',
  weight: 4,
  families: 1,
  domain: (targets) => [...targets],
  build: (index, t, _family, rng) => plausible(index, t, rng, 'plausible', 'all values plausible'),
};

export const SHAPE_GENERATORS: readonly Generator[] = [capture, pathTrick, method, token, header, bodyShape, plausibleGen];
