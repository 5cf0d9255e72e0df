/**
 * Name templates (database `username_template`, kubernetes `name_template`): the subset of Go's text/template that Vault's `username_template`
 * uses. Actions are pipelines of commands (`{{ .RoleName | truncate 8 }}`); a piped value
 * becomes the last argument of the next command, as in Go. Fields: `.DisplayName`,
 * `.RoleName`. Functions: printf (%s %d %%), truncate, truncate_sha256, lowercase,
 * uppercase, replace, random, unix_time, unix_time_millis, uuid, sha256, base64.
 */
import { createHash } from 'node:crypto';
import { randomBase62, uuid } from './ids.js';

/** PostgreSQL's default: `v-<display≤8>-<role≤8>-<20 random>-<unix seconds>`, at most 63 bytes. */
export const DEFAULT_POSTGRES_USERNAME_TEMPLATE =
  '{{ printf "v-%s-%s-%s-%s" (.DisplayName | truncate 8) (.RoleName | truncate 8) (random 20) (unix_time) | truncate 63 }}';

export interface UsernameInput {
  DisplayName: string;
  RoleName: string;
}

type Value = string | number;
type Token = { t: '(' | ')' | '|' } | { t: 'str'; v: string } | { t: 'num'; v: number } | { t: 'field'; v: string } | { t: 'ident'; v: string };

export class TemplateError extends Error {}

function lex(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] ?? '';
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')' || c === '|') {
      out.push({ t: c });
      i++;
    } else if (c === '"' || c === '`') {
      const m = c === '"' ? /^"((?:[^"\\]|\\.)*)"/.exec(src.slice(i)) : /^`([^`]*)`/.exec(src.slice(i));
      if (!m) throw new TemplateError('unterminated string in template');
      out.push({ t: 'str', v: c === '"' ? (JSON.parse(m[0]) as string) : (m[1] ?? '') });
      i += m[0].length;
    } else {
      const m = /^(-?\d+|\.[A-Za-z_]\w*|[A-Za-z_]\w*)/.exec(src.slice(i));
      if (!m) throw new TemplateError(`unexpected "${c}" in template`);
      const w = m[0];
      if (/^-?\d/.test(w)) out.push({ t: 'num', v: Number(w) });
      else if (w.startsWith('.')) out.push({ t: 'field', v: w.slice(1) });
      else out.push({ t: 'ident', v: w });
      i += w.length;
    }
  }
  return out;
}

const str = (v: Value | undefined): string => (v === undefined ? '' : String(v));
const num = (v: Value | undefined, fn: string): number => {
  if (typeof v !== 'number') throw new TemplateError(`${fn}: expected a number`);
  return v;
};

/**
 * Far longer than any database allows a user name, and short enough to build at once:
 * `random 10000000` took seconds of event loop when a config was validated.
 */
const MAX_RANDOM = 1024;

function randomLength(n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > MAX_RANDOM) throw new TemplateError(`random: length must be between 0 and ${MAX_RANDOM}`);
  return n;
}

function printf(fmt: string, args: Value[]): string {
  let k = 0;
  return fmt.replace(/%[sdv%]/g, (m) => (m === '%%' ? '%' : str(args[k++])));
}

const FUNCS: Record<string, (args: Value[]) => Value> = {
  printf: ([fmt, ...rest]) => printf(str(fmt), rest),
  truncate: ([n, s]) => [...str(s)].slice(0, num(n, 'truncate')).join(''),
  truncate_sha256: ([n, s]) => {
    const len = num(n, 'truncate_sha256');
    const v = str(s);
    if (v.length <= len) return v;
    return v.slice(0, Math.max(0, len - 8)) + createHash('sha256').update(v).digest('hex').slice(0, 8);
  },
  lowercase: ([s]) => str(s).toLowerCase(),
  uppercase: ([s]) => str(s).toUpperCase(),
  replace: ([from, to, s]) => str(s).split(str(from)).join(str(to)),
  random: ([n]) => randomBase62(randomLength(num(n, 'random'))),
  unix_time: () => Math.floor(Date.now() / 1000),
  unix_time_millis: () => Date.now(),
  uuid: () => uuid(),
  sha256: ([s]) => createHash('sha256').update(str(s)).digest('hex'),
  base64: ([s]) => Buffer.from(str(s), 'utf8').toString('base64'),
};

class Parser {
  private i = 0;
  constructor(
    private readonly toks: Token[],
    private readonly input: UsernameInput,
  ) {}

  done(): boolean {
    return this.i >= this.toks.length;
  }

  pipeline(): Value {
    let value = this.command(undefined);
    while (this.toks[this.i]?.t === '|') {
      this.i++;
      value = this.command(value);
    }
    return value;
  }

  private command(piped: Value | undefined): Value {
    const head = this.toks[this.i];
    if (head?.t === 'ident') {
      this.i++;
      const fn = FUNCS[head.v];
      if (!fn) throw new TemplateError(`function "${head.v}" not defined`);
      const args: Value[] = [];
      while (!this.done() && this.toks[this.i]?.t !== '|' && this.toks[this.i]?.t !== ')') args.push(this.operand());
      if (piped !== undefined) args.push(piped);
      return fn(args);
    }
    if (piped !== undefined) throw new TemplateError('can only pipe into a function');
    return this.operand();
  }

  private operand(): Value {
    const tok = this.toks[this.i++];
    if (!tok) throw new TemplateError('unexpected end of action');
    switch (tok.t) {
      case 'str':
      case 'num':
        return tok.v;
      case 'field':
        if (tok.v !== 'DisplayName' && tok.v !== 'RoleName') throw new TemplateError(`unknown field .${tok.v}`);
        return this.input[tok.v];
      case 'ident': {
        const fn = FUNCS[tok.v];
        if (!fn) throw new TemplateError(`function "${tok.v}" not defined`);
        return fn([]);
      }
      case '(': {
        const v = this.pipeline();
        if (this.toks[this.i++]?.t !== ')') throw new TemplateError('missing ")"');
        return v;
      }
      default:
        throw new TemplateError(`unexpected "${tok.t}"`);
    }
  }
}

/** Renders a username template. Throws TemplateError on a malformed template. */
export function renderUsername(template: string, input: UsernameInput): string {
  let out = '';
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{{', i);
    if (open === -1) {
      out += template.slice(i);
      break;
    }
    let text = template.slice(i, open);
    const close = template.indexOf('}}', open + 2);
    if (close === -1) throw new TemplateError('unclosed action');
    let body = template.slice(open + 2, close);
    // Go's trim markers: `{{- ` trims whitespace before, ` -}}` after.
    if (body.startsWith('- ')) {
      text = text.trimEnd();
      body = body.slice(2);
    }
    let trimAfter = false;
    if (body.endsWith(' -')) {
      trimAfter = true;
      body = body.slice(0, -2);
    }
    const p = new Parser(lex(body), input);
    const v = p.done() ? '' : p.pipeline();
    if (!p.done()) throw new TemplateError('unexpected tokens after pipeline');
    out += text + str(v);
    i = close + 2;
    if (trimAfter) while (i < template.length && /\s/.test(template[i] ?? '')) i++;
  }
  return out;
}

/** Checks a template by rendering it with sample input; returns the error message or null. */
export function templateError(template: string): string | null {
  try {
    renderUsername(template, { DisplayName: 'token', RoleName: 'role' });
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}
