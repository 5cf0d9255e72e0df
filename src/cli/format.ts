import type { JsonValue } from '../api/index.js';
import { toYaml } from './yaml.js';

export type Format = 'table' | 'json' | 'yaml' | 'pretty';
export const FORMATS: readonly Format[] = ['table', 'json', 'yaml', 'pretty'];

/** One Key/Value row; `duration` rows hold seconds and print humanised in tables. */
export type Row = { key: string; value: JsonValue | undefined; duration?: boolean };

/** A block of table output: a titled Key/Value table, a multi-column table, or text. */
export type Section =
  | { kind: 'kv'; title?: string; rows: Row[] }
  | { kind: 'columns'; title?: string; headers: string[]; rows: string[][] }
  | { kind: 'text'; text: string };

/** What a command prints: `json` feeds json/yaml/pretty, `sections` feed table output and `-field`. */
export type Rendering = { json: JsonValue | undefined; sections: Section[]; fields?: Row[] };

/** Writes to stdout/stderr and knows whether stdout is a terminal. */
export type Writer = { write(s: string): unknown; isTTY?: boolean };

/** Go-style human duration of whole seconds: 2764800 → "768h", 90 → "1m30s", 0 → "0s". */
export function humanDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds === 0) return '0s';
  const neg = seconds < 0;
  let s = Math.abs(Math.trunc(seconds));
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  let out = h ? `${h}h` : '';
  if (m || (h && s)) out += `${m}m`;
  if (s || out === '') out += `${s}s`;
  return (neg ? '-' : '') + out;
}

/** A value as the vault CLI shows it in tables (Go `%v` style). */
export function cell(v: JsonValue | undefined): string {
  if (v === undefined || v === null) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v !== 'object') return String(v);
  if (Array.isArray(v)) return `[${v.map(cell).join(' ')}]`;
  return `map[${Object.keys(v).sort().filter((k) => v[k] !== undefined).map((k) => `${k}:${cell(v[k])}`).join(' ')}]`;
}

function rowCell(r: Row): string {
  if (r.duration && typeof r.value === 'number') return humanDuration(r.value);
  const c = cell(r.value);
  return c === '' ? 'n/a' : c;
}

/** Aligns columns with four spaces between them and dashes under the header. */
export function columns(headers: string[], rows: string[][]): string {
  const all = [headers, headers.map((h) => '-'.repeat(h.length)), ...rows];
  const widths = headers.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all
    .map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('    ').trimEnd())
    .join('\n');
}

function tableText(sections: Section[]): string {
  const parts: string[] = [];
  for (const s of sections) {
    let body: string;
    if (s.kind === 'text') body = s.text;
    else if (s.kind === 'kv') body = columns(['Key', 'Value'], s.rows.map((r) => [r.key, rowCell(r)]));
    else body = columns(s.headers, s.rows);
    if (s.kind !== 'text' && s.title) {
      const bar = '='.repeat(Math.max(2, Math.floor((s.title.length + 4) / 2) - 2));
      body = `${bar} ${s.title} ${bar}\n${body}`;
    }
    parts.push(body);
  }
  return parts.join('\n\n');
}

function prettyText(v: JsonValue | undefined, indent = ''): string {
  if (v === null || v === undefined || typeof v !== 'object') return `${indent}${cell(v)}`;
  if (Array.isArray(v)) return v.map((x) => (x !== null && typeof x === 'object' ? `${indent}-\n${prettyText(x, `${indent}  `)}` : `${indent}- ${cell(x)}`)).join('\n');
  const keys = Object.keys(v).filter((k) => v[k] !== undefined);
  const w = Math.max(0, ...keys.map((k) => k.length));
  return keys
    .map((k) => {
      const x = v[k];
      if (x !== null && typeof x === 'object' && (Array.isArray(x) ? x.length : Object.keys(x).length)) return `${indent}${k}:\n${prettyText(x, `${indent}  `)}`;
      return `${indent}${`${k}:`.padEnd(w + 2)}${cell(x)}`;
    })
    .join('\n');
}

/** Finds `-field` in the rendering's explicit fields, then its Key/Value rows. */
export function findField(r: Rendering, field: string): { found: boolean; value: JsonValue | undefined } {
  const extra = r.fields?.find((x) => x.key === field);
  if (extra) return { found: true, value: extra.value };
  for (const s of r.sections) {
    if (s.kind !== 'kv') continue;
    const row = s.rows.find((x) => x.key === field);
    if (row) return { found: true, value: row.value };
  }
  return { found: false, value: undefined };
}

/** Raw `-field` text: strings verbatim, everything else as JSON. */
export function rawField(v: JsonValue | undefined): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/**
 * Prints a rendering in the chosen format. With `field`, prints only that value, with
 * a trailing newline only when stdout is a terminal (so `$(ward ... -field=x)` is exact).
 * Returns the exit code (1 when the field is missing).
 */
export function render(out: Writer, err: Writer, r: Rendering, format: Format, field?: string): number {
  if (field) {
    const f = findField(r, field);
    if (!f.found) {
      err.write(`Field "${field}" not present in secret\n`);
      return 1;
    }
    // As vault: a map or list prints Go-style (`map[a:1]`) in table format and as a JSON
    // document in json/yaml; strings and numbers print bare in every format.
    const v = f.value;
    if (v !== null && typeof v === 'object' && format !== 'table') {
      out.write(format === 'yaml' ? toYaml(v) : `${JSON.stringify(v, null, 2)}\n`);
      return 0;
    }
    out.write((v !== null && typeof v === 'object' ? cell(v) : rawField(v)) + (out.isTTY ? '\n' : ''));
    return 0;
  }
  switch (format) {
    case 'json':
      out.write(`${JSON.stringify(r.json ?? null, null, 2)}\n`);
      break;
    case 'yaml':
      out.write(toYaml(r.json ?? null));
      break;
    case 'pretty':
      out.write(`${prettyText(r.json)}\n`);
      break;
    default: {
      const t = tableText(r.sections);
      if (t !== '') out.write(`${t}\n`);
    }
  }
  return 0;
}
