/**
 * The `filter` query parameter of an event subscription: the part of go-bexpr's grammar
 * Vault's examples use, evaluated against the fields Vault's event bus exposes to it
 * (`event_type`, `operation`, `source_plugin_mount`, `data_path`, `namespace`).
 *
 *   expr       = term { "or" term }
 *   term       = factor { "and" factor }
 *   factor     = "not" factor | "(" expr ")" | selector op [value]
 *   op         = "==" | "!=" | "matches" | "not matches" | "contains" | "not contains"
 *              | "is empty" | "is not empty"
 *   value      = "double quoted" | `raw` | bare word (`secret/data/foo`)
 *
 * A bad expression or an unknown selector is refused when subscribing, naming the problem.
 */
import { badRequest } from '../../sdk/errors.js';

export const FILTER_FIELDS = ['event_type', 'operation', 'source_plugin_mount', 'data_path', 'namespace'] as const;
export type FilterDatum = Readonly<Record<(typeof FILTER_FIELDS)[number], string>>;
export type EventFilter = (d: FilterDatum) => boolean;

const FIELD_SET: ReadonlySet<string> = new Set(FILTER_FIELDS);

type Token = { kind: 'word' | 'string' | 'op' | 'paren'; text: string };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')') {
      out.push({ kind: 'paren', text: c });
      i++;
    } else if (c === '=' || c === '!') {
      if (src[i + 1] !== '=') throw bad(`unexpected "${c}" at offset ${i}`);
      out.push({ kind: 'op', text: `${c}=` });
      i += 2;
    } else if (c === '"' || c === '`') {
      const end = c === '`' ? src.indexOf('`', i + 1) : closingQuote(src, i + 1);
      if (end === -1) throw bad(`unterminated string at offset ${i}`);
      const body = src.slice(i + 1, end);
      out.push({ kind: 'string', text: c === '`' ? body : body.replace(/\\(.)/g, '$1') });
      i = end + 1;
    } else {
      let j = i;
      while (j < src.length && !/[\s()"`]/.test(src[j]!) && !(src[j] === '=' && src[j + 1] === '=') && !(src[j] === '!' && src[j + 1] === '=')) j++;
      out.push({ kind: 'word', text: src.slice(i, j) });
      i = j;
    }
  }
  return out;
}

function closingQuote(src: string, from: number): number {
  for (let i = from; i < src.length; i++) {
    if (src[i] === '\\') i++;
    else if (src[i] === '"') return i;
  }
  return -1;
}

const bad = (msg: string) => badRequest(`invalid filter expression: ${msg}`);

/** Compiles `expr` (non-empty) into a predicate; throws a 400 WardError naming the problem. */
export function compileFilter(expr: string): EventFilter {
  const toks = tokenize(expr);
  let pos = 0;
  const peek = (): Token | undefined => toks[pos];
  const isWord = (t: Token | undefined, w: string): boolean => t?.kind === 'word' && t.text.toLowerCase() === w;

  const parseExpr = (): EventFilter => {
    let left = parseTerm();
    while (isWord(peek(), 'or')) {
      pos++;
      const l = left;
      const r = parseTerm();
      left = (d) => l(d) || r(d);
    }
    return left;
  };
  const parseTerm = (): EventFilter => {
    let left = parseFactor();
    while (isWord(peek(), 'and')) {
      pos++;
      const l = left;
      const r = parseFactor();
      left = (d) => l(d) && r(d);
    }
    return left;
  };
  const parseFactor = (): EventFilter => {
    const t = peek();
    if (t === undefined) throw bad('unexpected end of expression');
    if (isWord(t, 'not')) {
      pos++;
      const inner = parseFactor();
      return (d) => !inner(d);
    }
    if (t.kind === 'paren' && t.text === '(') {
      pos++;
      const inner = parseExpr();
      const close = toks[pos++];
      if (close?.kind !== 'paren' || close.text !== ')') throw bad('missing ")"');
      return inner;
    }
    if (t.kind !== 'word') throw bad(`expected a selector, got "${t.text}"`);
    pos++;
    const selector = t.text.startsWith('/') ? t.text.slice(1).replaceAll('/', '.') : t.text;
    if (!FIELD_SET.has(selector)) throw bad(`unknown selector "${t.text}" (one of ${FILTER_FIELDS.join(', ')})`);
    const field = selector as (typeof FILTER_FIELDS)[number];
    return comparison(field);
  };
  const value = (): string => {
    const v = toks[pos++];
    if (v === undefined || (v.kind !== 'word' && v.kind !== 'string')) throw bad('expected a value');
    return v.text;
  };
  const comparison = (field: (typeof FILTER_FIELDS)[number]): EventFilter => {
    const op = toks[pos++];
    if (op === undefined) throw bad(`expected an operator after "${field}"`);
    if (op.kind === 'op') {
      const v = value();
      return op.text === '==' ? (d) => d[field] === v : (d) => d[field] !== v;
    }
    let negate = false;
    let word = op.kind === 'word' ? op.text.toLowerCase() : '';
    if (word === 'not') {
      negate = true;
      word = (toks[pos++]?.text ?? '').toLowerCase();
    }
    if (word === 'is') {
      let empty = true;
      if (isWord(peek(), 'not')) {
        pos++;
        empty = false;
      }
      if (!isWord(toks[pos++], 'empty')) throw bad('expected "empty" after "is"');
      return (d) => (d[field] === '') === empty;
    }
    if (word === 'contains') {
      const v = value();
      return (d) => d[field].includes(v) !== negate;
    }
    if (word === 'matches') {
      const v = value();
      let re: RegExp;
      try {
        re = new RegExp(v);
      } catch {
        throw bad(`invalid regular expression "${v}"`);
      }
      return (d) => re.test(d[field]) !== negate;
    }
    throw bad(`unknown operator "${op.text}"`);
  };

  const f = parseExpr();
  if (pos !== toks.length) throw bad(`unexpected "${toks[pos]!.text}"`);
  return f;
}
