/**
 * SQL statement templating for the database engine. Statements carry `{{name}}` (alias
 * `{{username}}`), `{{password}}` and `{{expiration}}` placeholders. Values are escaped for
 * the quoting context the placeholder sits in, so a value can never end its quotes:
 *   "{{name}}"  → `"` doubled;   '{{password}}' → `'` doubled (backslashes too in E'…');
 *   bare        → {{name}} becomes a quoted identifier, other values quoted literals.
 * Dollar-quoted bodies (`DO $$ … $$`) are transparent: their inner SQL is scanned the same way.
 */
import { toWellFormed } from '../../lib/unicode.js';

/** The variables a statement may reference. */
export interface StatementVars {
  name?: string;
  password?: string;
  expiration?: string;
}

const PLACEHOLDER = /^\{\{\s*(name|username|password|expiration)\s*\}\}/;

/** `"ident"` with embedded quotes doubled. */
export function quoteIdent(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

/** `'literal'` with embedded quotes doubled (standard_conforming_strings, the default since 9.1). */
export function quoteLiteral(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** Go layout `2006-01-02 15:04:05-0700` in UTC, the form PostgreSQL's VALID UNTIL accepts. */
export function formatExpiration(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}+0000`;
}

/** A dollar-quote tag (`$$` or `$tag$`) starting at `i`, or null. */
function dollarTag(s: string, i: number): string | null {
  const m = /^\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/.exec(s.slice(i));
  return m ? m[0] : null;
}

/**
 * Splits a string of statements on `;` outside quotes, comments and dollar-quoted bodies,
 * dropping empty pieces.
 */
export function splitStatements(sql: string): string[] {
  const out: string[] = [];
  let cur = '';
  let i = 0;
  let quote: "'" | '"' | null = null;
  let dollar: string | null = null;
  while (i < sql.length) {
    const c = sql[i] ?? '';
    if (dollar !== null) {
      if (sql.startsWith(dollar, i)) {
        cur += dollar;
        i += dollar.length;
        dollar = null;
      } else {
        cur += c;
        i++;
      }
      continue;
    }
    if (quote !== null) {
      if (c === quote) quote = null;
    } else if (c === "'" || c === '"') {
      quote = c;
    } else if (c === '-' && sql[i + 1] === '-') {
      const nl = sql.indexOf('\n', i);
      const end = nl === -1 ? sql.length : nl;
      cur += sql.slice(i, end);
      i = end;
      continue;
    } else if (c === '$') {
      const tag = dollarTag(sql, i);
      if (tag !== null) {
        dollar = tag;
        cur += tag;
        i += tag.length;
        continue;
      }
    } else if (c === ';') {
      if (cur.trim() !== '') out.push(cur.trim());
      cur = '';
      i++;
      continue;
    }
    cur += c;
    i++;
  }
  if (cur.trim() !== '') out.push(cur.trim());
  return out;
}

function valueFor(key: string, vars: StatementVars): string | undefined {
  if (key === 'name' || key === 'username') return vars.name;
  if (key === 'password') return vars.password;
  return vars.expiration;
}

/** Substitutes placeholders into one statement, escaping for the surrounding quote context. */
export function renderStatement(sql: string, vars: StatementVars): string {
  let out = '';
  let quote: "'" | '"' | null = null;
  let escapeString = false;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i] ?? '';
    if (c === '{') {
      const m = PLACEHOLDER.exec(sql.slice(i));
      const key = m?.[1];
      const value = key === undefined ? undefined : valueFor(key, vars);
      if (m && key !== undefined && value !== undefined) {
        if (quote === '"') out += value.replace(/"/g, '""');
        else if (quote === "'") out += (escapeString ? value.replace(/\\/g, '\\\\') : value).replace(/'/g, "''");
        else out += key === 'name' || key === 'username' ? quoteIdent(value) : quoteLiteral(value);
        i += m[0].length;
        continue;
      }
    }
    if (quote !== null) {
      if (c === quote) quote = null;
    } else if (c === '"') {
      quote = c;
    } else if (c === "'") {
      quote = c;
      const prev = out[out.length - 1] ?? '';
      const beforePrev = out[out.length - 2] ?? '';
      escapeString = (prev === 'E' || prev === 'e') && !/[A-Za-z0-9_]/.test(beforePrev);
    }
    out += c;
    i++;
  }
  return out;
}

/** Every statement of a list of statement strings, split and rendered, in order. */
export function renderStatements(list: readonly string[], vars: StatementVars): string[] {
  return list.flatMap((s) => splitStatements(s)).map((s) => renderStatement(s, vars));
}

/**
 * Normalises statements as clients send them: an array of strings, one string holding
 * several `;`-separated statements, a JSON-encoded string array, or base64 of any of these.
 */
export function normalizeStatements(list: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of list) {
    let s = raw.trim();
    if (s === '') continue;
    // SQL always has whitespace; base64 never does.
    if (/^[A-Za-z0-9+/]+={0,2}$/.test(s) && s.length % 4 === 0) {
      const decoded = Buffer.from(s, 'base64').toString('utf8');
      if (Buffer.from(decoded, 'utf8').toString('base64') === s) s = decoded.trim();
    }
    if (s.startsWith('[')) {
      try {
        const parsed: unknown = JSON.parse(s);
        if (Array.isArray(parsed) && parsed.every((x) => typeof x === 'string')) {
          out.push(...(parsed as string[]).filter((x) => x.trim() !== ''));
          continue;
        }
      } catch {
        // Not JSON: an ARRAY[…] literal or similar SQL; keep it as written.
      }
    }
    out.push(s);
  }
  return out;
}

/**
 * Fills `{{username}}`/`{{password}}` in a connection URL. Values are URL-escaped unless
 * `disableEscaping` (the operator has pre-escaped them).
 */
export function renderConnectionUrl(url: string, username: string, password: string, disableEscaping: boolean): string {
  // toWellFormed: encodeURIComponent throws on an unpaired surrogate (Go writes U+FFFD).
  const esc = (v: string) => (disableEscaping ? v : encodeURIComponent(toWellFormed(v)));
  return url.replace(/\{\{\s*username\s*\}\}/g, () => esc(username)).replace(/\{\{\s*password\s*\}\}/g, () => esc(password));
}
