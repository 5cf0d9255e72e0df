import type { JsonValue } from '../api/index.js';

const PLAIN_UNSAFE = /^$|^[\s\-?:,[\]{}#&*!|>'"%@`~]|[\s]$|: |\s#|[\n\r\t]|^(true|false|yes|no|on|off|null|~|y|n)$/i;
const NUMBERISH = /^[-+]?(\d[\d_]*(\.\d*)?|\.\d+)([eE][-+]?\d+)?$|^0[xo][0-9a-f]+$|^[-+]?\.(inf|nan)$/i;

/** A YAML scalar: plain when unambiguous, else a double-quoted (JSON-compatible) string. */
function scalar(v: string | number | boolean | null): string {
  if (v === null) return 'null';
  if (typeof v !== 'string') return String(v);
  return PLAIN_UNSAFE.test(v) || NUMBERISH.test(v) ? JSON.stringify(v) : v;
}

function isObject(v: JsonValue | undefined): v is { [k: string]: JsonValue | undefined } {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function emit(v: JsonValue, indent: string, out: string[], lead: string): void {
  if (Array.isArray(v)) {
    if (v.length === 0) {
      out.push(`${lead}[]`);
      return;
    }
    const prefix = lead === '' ? '' : `${lead}\n`;
    const items: string[] = [];
    for (const item of v) emitItem(item, indent, items);
    out.push(prefix + items.join('\n'));
    return;
  }
  if (isObject(v)) {
    const keys = Object.keys(v).filter((k) => v[k] !== undefined);
    if (keys.length === 0) {
      out.push(`${lead}{}`);
      return;
    }
    const lines: string[] = [];
    for (const k of keys) {
      const child = v[k] as JsonValue; // undefined filtered above
      const key = `${indent}${scalar(k)}:`;
      if (Array.isArray(child) && child.length > 0) emit(child, indent, lines, key);
      else if (isObject(child) && Object.keys(child).length > 0) emit(child, `${indent}  `, lines, key);
      else emit(child, indent, lines, `${key} `);
    }
    out.push((lead === '' ? '' : `${lead}\n`) + lines.join('\n'));
    return;
  }
  out.push(`${lead}${scalar(v)}`);
}

function emitItem(item: JsonValue, indent: string, out: string[]): void {
  const inner: string[] = [];
  if (isObject(item) && Object.keys(item).length > 0) {
    emit(item, `${indent}  `, inner, '');
    out.push(`${indent}- ${(inner[0] ?? '').slice(indent.length + 2)}`);
  } else if (Array.isArray(item) && item.length > 0) {
    emit(item, `${indent}  `, inner, '');
    out.push(`${indent}- ${(inner[0] ?? '').trimStart()}`);
  } else {
    emit(item, indent, inner, '');
    out.push(`${indent}- ${inner[0] ?? ''}`);
  }
}

/** Serialises a JSON value as a YAML document (block style), ending with a newline. */
export function toYaml(v: JsonValue): string {
  const out: string[] = [];
  emit(v, '', out, '');
  return `${out.join('\n')}\n`;
}
