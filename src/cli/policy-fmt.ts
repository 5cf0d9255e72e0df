import type { JsonObject, JsonValue } from '../api/index.js';

const q = (s: string): string => JSON.stringify(s);

function isObj(v: JsonValue | undefined): v is JsonObject {
  return v !== null && v !== undefined && typeof v === 'object' && !Array.isArray(v);
}

/** HCL1's JSON form wraps objects in one-element lists; this undoes that. */
function unwrap(v: JsonValue): JsonValue {
  if (Array.isArray(v) && v.length > 0 && v.every(isObj)) return Object.assign({}, ...v) as JsonObject; // merged list of objects
  return v;
}

function value(v: JsonValue, indent: string): string {
  const u = unwrap(v);
  if (Array.isArray(u)) return `[${u.map((x) => value(x, indent)).join(', ')}]`;
  if (isObj(u)) {
    const keys = Object.keys(u);
    if (keys.length === 0) return '{}';
    return `{\n${attrs(u, `${indent}  `)}\n${indent}}`;
  }
  return typeof u === 'string' ? q(u) : String(u);
}

function attrs(o: JsonObject, indent: string): string {
  const keys = Object.keys(o).filter((k) => o[k] !== undefined);
  const w = Math.max(0, ...keys.map((k) => q(k).length));
  return keys
    .map((k) => {
      const name = /^[A-Za-z_][\w-]*$/.test(k) && indent.length <= 2 ? k : q(k);
      return `${indent}${name.padEnd(name === k ? Math.max(...keys.map((x) => x.length)) : w)} = ${value(o[k] as JsonValue, indent)}`; // filtered above
    })
    .join('\n');
}

/**
 * Canonical HCL for a policy given in HCL1's JSON form (`{"path":[{"a/*":[{...}]}]}`) or
 * in Ward/Vault JSON policy form (`{"path":{"a/*":{...}}}`): one `path` block per rule,
 * two-space indent, aligned `=`.
 */
export function formatPolicy(parsed: JsonObject): string {
  const blocks: string[] = [];
  const paths = parsed['path'];
  const entries: Array<[string, JsonObject]> = [];
  const add = (label: string, body: JsonValue | undefined): void => {
    const b = body === undefined ? {} : unwrap(body);
    entries.push([label, isObj(b) ? b : {}]);
  };
  if (Array.isArray(paths)) {
    for (const p of paths) if (isObj(p)) for (const [label, body] of Object.entries(p)) add(label, body);
  } else if (isObj(paths)) {
    for (const [label, body] of Object.entries(paths)) add(label, body);
  }
  for (const [label, body] of entries) {
    const inner = attrs(body, '  ');
    blocks.push(`path ${q(label)} {${inner ? `\n${inner}\n` : ''}}`);
  }
  for (const k of Object.keys(parsed)) if (k !== 'path') blocks.push(`${k} = ${value(parsed[k] as JsonValue, '')}`); // keys from the parsed object
  return `${blocks.join('\n\n')}\n`;
}

/** Parses HCL (via js-hcl-parser, loaded lazily) or JSON policy text. Throws with the parser's message. */
export async function parsePolicy(text: string): Promise<JsonObject> {
  const trimmed = text.trim();
  let json: string;
  if (trimmed.startsWith('{')) json = trimmed;
  else {
    const spec = 'js-hcl-parser'; // CommonJS without types; loaded only for `policy fmt`
    const mod = (await import(spec)) as { default: { parse(s: string): string } };
    json = mod.default.parse(text);
  }
  let v: JsonValue;
  try {
    v = JSON.parse(json) as JsonValue;
  } catch {
    throw new Error(json.replace(/^unable to parse JSON: /, ''));
  }
  if (!isObj(v)) throw new Error('policy must be an object');
  return v;
}
