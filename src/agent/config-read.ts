/**
 * Reading helpers for agent configuration: where a stanza sits in the source (for
 * `file:line` errors), HCL's two block shapes, and Vault's lax value types.
 */

/** A configuration problem; the message always starts with `file[:line]:`. */
export class AgentConfigError extends Error {
  override readonly name = 'AgentConfigError';
}

export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** 1-based line of a character offset. */
export function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let k = 0; k < offset && k < text.length; k++) if (text[k] === '\n') line++;
  return line;
}

/**
 * Finds keys in the source text. The HCL library drops positions, so a stanza's line is
 * recovered by searching for its name used as a key, starting from the enclosing stanza.
 */
export class Locator {
  constructor(
    readonly file: string,
    readonly text: string,
  ) {}

  /** Offset of the `n`th (0-based) occurrence of `key` used as a key at or after `from`; -1 if absent. */
  offsetOf(key: string, from = 0, n = 0): number {
    const re = new RegExp(`(^|[\\s{,\\[])"?${escapeRe(key)}"?\\s*[=:{"\\[]`, 'gm');
    re.lastIndex = Math.max(0, from);
    let found = -1;
    for (let i = 0; i <= n; i++) {
      const m = re.exec(this.text);
      if (!m) return found;
      found = m.index + (m[1]?.length ?? 0);
    }
    return found;
  }

  /** `file:line` for an offset (just `file` when unknown). */
  where(at: number): string {
    return at >= 0 ? `${this.file}:${lineAt(this.text, at)}` : this.file;
  }
}

/** One stanza: its name for messages (`template`, `auto_auth.sink "file"`), body and source offset. */
export class Stanza {
  constructor(
    readonly loc: Locator,
    readonly name: string,
    readonly body: Obj,
    readonly at: number,
  ) {}

  get where(): string {
    return this.loc.where(this.at);
  }

  /** An error naming the stanza and the line of `key` inside it (or of the stanza itself). */
  error(msg: string, key?: string): AgentConfigError {
    const k = key === undefined ? -1 : this.loc.offsetOf(key, this.at);
    return new AgentConfigError(`${this.loc.where(k >= 0 ? k : this.at)}: ${this.name}: ${msg}`);
  }

  /** Rejects keys outside `known`; keys in `ignored` are accepted (they only tune things Ward does not do). */
  checkKeys(known: readonly string[], ignored: readonly string[] = []): void {
    for (const k of Object.keys(this.body)) {
      if (known.includes(k) || ignored.includes(k)) continue;
      throw this.error(`unknown key "${k}" (known keys: ${known.join(', ')})`, k);
    }
  }

  str(k: string): string | undefined {
    const v = this.body[k];
    if (v === undefined) return undefined;
    if (typeof v === 'string') return v;
    if (typeof v === 'number') return String(v);
    throw this.error(`${k} must be a string`, k);
  }

  /** A required non-empty string. */
  need(k: string): string {
    const v = this.str(k);
    if (v === undefined || v === '') throw this.error(`missing required field "${k}"`);
    return v;
  }

  bool(k: string): boolean | undefined {
    const v = this.body[k];
    if (v === undefined) return undefined;
    if (typeof v === 'boolean') return v;
    if (typeof v === 'string' && /^(true|1|t)$/i.test(v)) return true;
    if (typeof v === 'string' && /^(false|0|f)$/i.test(v)) return false;
    throw this.error(`${k} must be a boolean`, k);
  }

  int(k: string): number | undefined {
    const v = this.body[k];
    if (v === undefined) return undefined;
    if (typeof v === 'number' && Number.isInteger(v)) return v;
    if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return Number.parseInt(v, 10);
    throw this.error(`${k} must be an integer`, k);
  }

  /** A duration in milliseconds: an integer (seconds) or a Go duration string ("1s", "500ms", "5m"). */
  durationMs(k: string): number | undefined {
    const v = this.body[k];
    if (v === undefined) return undefined;
    const ms = parseDurationMs(v);
    if (ms === undefined || ms < 0) throw this.error(`${k} must be a duration such as "30s" or a number of seconds`, k);
    return ms;
  }

  /** A file mode: an HCL octal literal arrives as a number; strings are read as octal ("0640"). */
  mode(k: string): number | undefined {
    const v = this.body[k];
    if (v === undefined) return undefined;
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0o7777) return v;
    if (typeof v === 'string' && /^0?[0-7]{1,4}$/.test(v.trim())) return Number.parseInt(v, 8);
    throw this.error(`${k} must be an octal file mode such as "0640"`, k);
  }

  /** Child stanzas named `key`, in either HCL shape (labelled or with a `type` field). */
  children(key: string, fields: readonly string[]): Stanza[] {
    const v = this.body[key];
    if (v === undefined) return [];
    const items = Array.isArray(v) ? v : [v];
    const out: Stanza[] = [];
    for (const item of items) {
      if (!isObj(item)) throw this.error(`${key} must be a stanza`, key);
      const keys = Object.keys(item);
      const label = keys.length === 1 ? keys[0] : undefined;
      const inner = label === undefined ? undefined : item[label];
      if (label !== undefined && !fields.includes(label) && Array.isArray(inner) && inner.every(isObj)) {
        for (const body of inner) out.push(this.child(key, { ...body, type: label }, out.length, label));
      } else {
        out.push(this.child(key, item, out.length, typeof item['type'] === 'string' ? item['type'] : undefined));
      }
    }
    return out;
  }

  /** Child stanzas that have no type (`config {}`, `retry {}`): at most one. */
  single(key: string): Stanza | undefined {
    const v = this.body[key];
    if (v === undefined) return undefined;
    const items = Array.isArray(v) ? v : [v];
    if (items.length !== 1 || !isObj(items[0])) throw this.error(`${key} must be a single stanza`, key);
    return new Stanza(this.loc, `${this.name}.${key}`, items[0], this.offset(key, 0));
  }

  private child(key: string, body: Obj, n: number, label: string | undefined): Stanza {
    const prefix = this.name === '' ? key : `${this.name}.${key}`;
    return new Stanza(this.loc, label === undefined ? prefix : `${prefix} "${label}"`, body, this.offset(key, n));
  }

  private offset(key: string, n: number): number {
    const at = this.loc.offsetOf(key, Math.max(0, this.at), n);
    return at >= 0 ? at : this.at;
  }
}

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Go-style duration (or bare seconds) to milliseconds; undefined when unparsable. */
export function parseDurationMs(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v * 1000 : undefined;
  if (typeof v !== 'string') return undefined;
  const s = v.trim();
  if (s === '') return 0;
  if (/^\d+$/.test(s)) return Number(s) * 1000;
  let total = 0;
  let rest = s;
  while (rest !== '') {
    const m = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d)/.exec(rest);
    if (!m) return undefined;
    total += Number(m[1]) * (UNIT_MS[m[2] ?? 's'] ?? 0);
    rest = rest.slice(m[0].length);
  }
  return Math.round(total);
}

/** Offset of the first JSON syntax error in `text`, or -1 when it is valid (V8's messages do not always give one). */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const ws = (): void => {
    while (i < text.length && ' \t\r\n'.includes(text[i] ?? '')) i++;
  };
  const expect = (ok: boolean): void => {
    if (!ok) throw i;
  };
  const str = (): void => {
    const m = /^"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/.exec(text.slice(i));
    expect(m !== null);
    i += m?.[0].length ?? 0;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      ws();
      if (text[i] === close) return void i++;
      for (;;) {
        ws();
        if (c === '{') {
          str();
          ws();
          expect(text[i] === ':');
          i++;
        }
        value();
        ws();
        if (text[i] === close) return void i++;
        expect(text[i] === ',');
        i++;
      }
    }
    if (c === '"') return str();
    const m = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i, i + 400));
    expect(m !== null);
    i += m?.[0].length ?? 0;
  };
  try {
    value();
    ws();
    return i < text.length ? i : -1;
  } catch (pos) {
    return typeof pos === 'number' ? Math.min(pos, text.length) : 0;
  }
}
