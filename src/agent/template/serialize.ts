/**
 * The serialising functions: `toJSON` family (Go's encoding/json: sorted map keys,
 * HTML-safe escapes unless unescaped) and `toYAML` (block style, sorted keys).
 */
import { isMap, type Value } from './format.js';

function jsonValue(v: Value): unknown {
  if (v === undefined) return null;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64'); // Go marshals []byte as base64
  if (Array.isArray(v)) return v.map(jsonValue);
  if (isMap(v)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = jsonValue(v[k]);
    return out;
  }
  return v;
}

const htmlSafe = (s: string): string => s.replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');

/** `toJSON`: compact JSON with Go's HTML escaping of `<`, `>`, `&`. */
export function toJSON(v: Value): string {
  return htmlSafe(JSON.stringify(jsonValue(v)));
}

/** `toJSONPretty`: two-space indented JSON, HTML-escaped like toJSON. */
export function toJSONPretty(v: Value): string {
  return htmlSafe(JSON.stringify(jsonValue(v), null, 2));
}

/** `toUnescapedJSON`: compact JSON without the HTML escaping. */
export function toUnescapedJSON(v: Value): string {
  return JSON.stringify(jsonValue(v));
}

const PLAIN = /^[A-Za-z_/][A-Za-z0-9_./-]*$/;
const RESERVED = /^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL|~)$/;

function scalar(s: string): string {
  if (s === '') return '""';
  if (PLAIN.test(s) && !RESERVED.test(s)) return s;
  return JSON.stringify(s);
}

function yamlLines(v: Value, indent: string): string[] {
  const j = jsonValue(v) as Value;
  if (Array.isArray(j)) {
    if (j.length === 0) return [`${indent}[]`];
    return j.flatMap((item) => {
      const inner = yamlLines(item, `${indent}  `);
      const first = (inner[0] ?? '').trimStart();
      return [`${indent}- ${first}`, ...inner.slice(1)];
    });
  }
  if (isMap(j)) {
    const keys = Object.keys(j);
    if (keys.length === 0) return [`${indent}{}`];
    return keys.flatMap((k) => {
      const val = j[k];
      const key = `${indent}${scalar(k)}:`;
      if ((Array.isArray(val) && val.length > 0) || (isMap(val) && Object.keys(val).length > 0)) {
        return [key, ...yamlLines(val, Array.isArray(val) ? indent : `${indent}  `)];
      }
      const lines = yamlLines(val, indent);
      return [`${key} ${(lines[0] ?? '').trimStart()}`, ...lines.slice(1)];
    });
  }
  if (j === null || j === undefined) return [`${indent}null`];
  if (typeof j === 'string') {
    if (j.includes('\n')) return [`${indent}|-`, ...j.split('\n').map((l) => `${indent}  ${l}`)];
    return [`${indent}${scalar(j)}`];
  }
  return [`${indent}${String(j)}`];
}

/** `toYAML`: block-style YAML with sorted keys, without the trailing newline. */
export function toYAML(v: Value): string {
  return yamlLines(v, '').join('\n');
}
