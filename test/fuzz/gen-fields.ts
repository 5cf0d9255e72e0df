/**
 * Generators that attack fields: wrong JSON types, boundary numbers, durations, invalid
 * strings, megabyte values and deep nesting. Each one's domain is the targets having a
 * field it applies to; a request attacks one such field (or sometimes all of them at
 * once) with values from one family. The schedule rotates families across targets and
 * shifts them every pass, so |targets| × |families| requests try every family on every
 * target.
 */
import { assemble, attackableFields, pickOp, WRITE_OPS } from './build.js';
import type { FieldInfo, Target } from './catalogue.js';
import type { Rng } from './prng.js';
import type { FuzzRequest } from './request.js';
import { BAD_STRINGS, DURATIONS, HUGE, nested, NEST_DEPTHS, NUMBERS, WRONG_TYPES, type Fragment } from './values.js';

export interface Generator {
  name: string;
  /** Share of the run, relative to the other generators. */
  weight: number;
  /** What the generator cycles through (targets, for most). */
  domain(targets: readonly Target[]): Target[];
  /** How many value families one target is tried with before the cycle repeats. */
  families: number;
  /** `pass`: how many times this generator has visited `t` before (0 on the first visit). */
  build(index: number, t: Target, family: number, rng: Rng, pass: number): FuzzRequest;
}

const byLabel = (list: readonly Fragment[], labels: string[]): Fragment[] =>
  labels.map((l) => {
    const f = list.find((x) => x.label === l);
    if (!f) throw new Error(`no value labelled ${l}`);
    return f;
  });

const STRINGISH = new Set(['string', 'lowercase_string', 'string_slice', 'comma_string_slice', 'kv_pairs', 'map', 'raw']);
const NUMERIC = new Set(['int', 'bool', 'duration_second', 'signed_duration_second', 'comma_int_slice', 'raw']);
const NUMERIC_NAME = /code|bits|size|version|num|ttl|period|max|min|length|bytes|depth|shares|threshold/;
const DURATION = new Set(['duration_second', 'signed_duration_second']);
const DURATION_NAME = /ttl|period|duration|after|lifetime|increment|buffer|lease/;

/** Places a hostile fragment where a field of this kind would hold it: as is, in a list, as a map value or key. */
function place(f: FieldInfo, v: Fragment, rng: Rng): Fragment {
  const body = v.bytes ?? Buffer.from(v.json, 'utf8');
  const wrap = (pre: string, post: string, how: string): Fragment => {
    const bytes = Buffer.concat([Buffer.from(pre), body, Buffer.from(post)]);
    return { label: `${v.label}${how}`, json: bytes.toString('utf8'), ...(v.bytes ? { bytes } : {}) };
  };
  if ((f.kind === 'string_slice' || f.kind === 'comma_string_slice') && rng.chance(0.4)) return wrap('[', ']', ' in a list');
  if (f.kind === 'map' || f.kind === 'kv_pairs' || f.kind === 'raw') {
    const r = rng.float();
    if (r < 0.35) return wrap('{"k":', '}', ' as a map value');
    // Keys must be strings: only string fragments can be keys.
    if (r < 0.6 && v.json.startsWith('"')) return wrap('{', ':"v"}', ' as a map key');
  }
  return v;
}

interface FieldGenSpec {
  name: string;
  weight: number;
  eligible: (f: FieldInfo) => boolean;
  families: (() => Fragment)[][];
  /** Attack only write operations (values too big or too deep for a query). */
  writesOnly?: boolean;
  /** Place values in lists and maps by the field's kind. */
  placeByKind?: boolean;
  /**
   * How often every eligible field gets a hostile value at once. Values that pass
   * validation (odd strings) go deeper that way; ones that fail it would mask each other.
   */
  allFieldsChance?: number;
  /** At most this many fields in all-at-once mode (megabyte values add up, and cost the run's time). */
  maxFields?: number;
  /** Attack every free field on the first visit with each family (values that validation lets through). */
  allFieldsFirst?: boolean;
}

function fieldGenerator(spec: FieldGenSpec): Generator {
  const eligibleFields = (t: Target): FieldInfo[] => attackableFields(t).filter(spec.eligible);
  return {
    name: spec.name,
    weight: spec.weight,
    families: spec.families.length,
    domain: (targets) =>
      targets.filter((t) => eligibleFields(t).length > 0 && (!spec.writesOnly || t.ops.some((o) => WRITE_OPS.includes(o)))),
    build(index, t, family, rng, pass) {
      const values = spec.families[family % spec.families.length] ?? [];
      const fields = eligibleFields(t);
      // All at once skips fields with a fixed set of values: they would refuse the request
      // before the free-form fields are read.
      const free = fields.filter((f) => !f.allowed || f.allowed.length === 0);
      // The first visit per family attacks every free field when values pass validation.
      const firstWithFamily = pass < spec.families.length;
      const all = free.length > 1 && ((spec.allFieldsFirst === true && firstWithFamily) || rng.chance(spec.allFieldsChance ?? 1 / 3));
      const chosen = all ? rng.shuffle(free).slice(0, spec.maxFields ?? free.length) : [rng.pick(fields)];
      const overrides = new Map<string, Fragment>();
      for (const f of chosen) {
        const v = rng.pick(values)();
        overrides.set(f.name, spec.placeByKind ? place(f, v, rng) : v);
      }
      const op = spec.writesOnly ? rng.pick(t.ops.filter((o) => WRITE_OPS.includes(o))) : pickOp(t, rng);
      const note = [...overrides].map(([k, v]) => `${k}=${v.label}`).join(' ');
      return assemble(index, { generator: spec.name, note: all ? `all: ${note}` : note, target: t, op, rng, fields: overrides });
    },
  };
}

const fixed = (list: readonly Fragment[]): (() => Fragment)[] => list.map((f) => () => f);

export const wrongType = fieldGenerator({
  name: 'wrong-type',
  weight: 16,
  eligible: () => true,
  families: [
    fixed(byLabel(WRONG_TYPES, ['empty-object', 'object', 'object-of-objects', 'proto-object'])),
    fixed(byLabel(WRONG_TYPES, ['empty-array', 'mixed-array', 'nested-array', 'array-of-objects'])),
    fixed(byLabel(WRONG_TYPES, ['true', 'false', 'null'])),
    fixed(byLabel(WRONG_TYPES, ['zero', 'one', 'minus-one', 'float', 'empty-string', 'string', 'space'])),
  ],
});

export const boundaryNumber = fieldGenerator({
  name: 'number',
  weight: 11,
  eligible: (f) => NUMERIC.has(f.kind) || NUMERIC_NAME.test(f.name),
  families: [
    fixed(byLabel(NUMBERS, ['2^63-1', '2^63', '2^64', '1e308', '1e400', 'nines-400', 's-nines-400', 's-2^63', 's-1e400'])),
    fixed(byLabel(NUMBERS, ['-0', '-1', '-2^31-1', '-2^63-1', '-1e308', '-1e400', '-nines-400', '5e-324', '1e-400', '0.5', '-1.5', 's--0'])),
    fixed(byLabel(NUMBERS, ['0', '1', '100', '101', '150', '199', '299', '304', '600', '999', '1024', '8192', '65536'])),
    fixed(byLabel(NUMBERS, ['2^31-1', '2^31', '2^32', '2^53-1', '2^53+1', 's-2^53+1', '1E2'])),
    fixed(byLabel(NUMBERS, ['s-NaN', 's-Infinity', 's--Infinity', 's-hex', 's-exp', 's-padded', 's-plus', 's-underscore', 's-fullwidth', 's-octal'])),
  ],
});

export const duration = fieldGenerator({
  name: 'duration',
  weight: 10,
  eligible: (f) => DURATION.has(f.kind) || DURATION_NAME.test(f.name),
  families: [
    fixed(byLabel(DURATIONS, ['99999999999h', '2562048h', '9223372037s', '106752d', '999999999d', 'huge-int-string', 's-nines-400', 'n-1e308', 'n-9.3e18', 'n-nines-400'])),
    fixed(byLabel(DURATIONS, ['-1s', '-0s', '0s', 'n--1', 'nested-sign'])),
    fixed(byLabel(DURATIONS, ['1.5', '1.5h', 'n-0.5', '1ns', 'micro'])),
    fixed(byLabel(DURATIONS, ['1e400s', '1h-1m', 'bare-unit', '1d1d', 'upper', 'inf'])),
    fixed(byLabel(DURATIONS, ['2562047h', '9223372036s', 'int-string', 'n-2^31'])),
  ],
});

export const badString = fieldGenerator({
  name: 'bad-string',
  weight: 16,
  eligible: (f) => STRINGISH.has(f.kind),
  placeByKind: true,
  allFieldsFirst: true,
  allFieldsChance: 0.5,
  families: [
    fixed(byLabel(BAD_STRINGS, ['lone-high-surrogate', 'lone-low-surrogate', 'reversed-pair', 'surrogate-in-name'])),
    fixed(byLabel(BAD_STRINGS, ['nul', 'nul-inside', 'control-chars', 'crlf', 'line-separators', 'bom', 'non-char', 'invalid-utf8-ff', 'overlong-slash', 'utf8-surrogate', 'truncated-utf8', 'raw-control'])),
    fixed(byLabel(BAD_STRINGS, ['dot-dot', 'template', 'sql', 'glob', 'format', 'percent-nul', 'backslash', 'equals', 'commas'])),
    fixed(byLabel(BAD_STRINGS, ['emoji', 'combining', 'rtl-override', 'pem-junk', 'vault-ciphertext', 'bad-base64', 'ipv6-zone', 'cidr-wide', 'long-4k'])),
  ],
});

export const huge = fieldGenerator({
  name: 'huge',
  weight: 5,
  eligible: (f) => STRINGISH.has(f.kind),
  writesOnly: true,
  placeByKind: true,
  allFieldsFirst: true,
  allFieldsChance: 0.5,
  maxFields: 2,
  families: [HUGE.slice(0, 3), HUGE.slice(3, 5), HUGE.slice(5)],
});

export const nesting = fieldGenerator({
  name: 'nesting',
  weight: 4,
  eligible: () => true,
  writesOnly: true,
  families: NEST_DEPTHS.flatMap((d) => (['array', 'object', 'mixed'] as const).map((k) => [() => nested(k, d)])),
});

export const FIELD_GENERATORS: readonly Generator[] = [wrongType, boundaryNumber, duration, badString, huge, nesting];
