/**
 * Lexer for the Go text/template dialect consul-template uses: text runs and actions
 * between configurable delimiters, with `{{-`/`-}}` whitespace trimming and comments.
 */

/** A lexing or parsing problem; `line` is 1-based within the template text. */
export class TemplateSyntaxError extends Error {
  override readonly name = 'TemplateSyntaxError';
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
  }
}

export type TokenKind = 'string' | 'number' | 'ident' | 'field' | 'var' | 'dot' | 'lparen' | 'rparen' | 'pipe' | 'declare' | 'assign' | 'comma' | 'bool' | 'nil';

/** One token inside an action. `spaced` says whether whitespace preceded it (field chaining needs adjacency). */
export type Token = { kind: TokenKind; text: string; value?: string | number | boolean; spaced: boolean };

/** A template split into plain text and the token lists of its actions. */
export type Piece = { kind: 'text'; text: string } | { kind: 'action'; tokens: Token[]; line: number };

const SPACE = /[ \t\r\n]/;

/** Splits `src` into pieces; comments are dropped and trim markers applied to the neighbouring text. */
export function lex(src: string, left = '{{', right = '}}'): Piece[] {
  const out: Piece[] = [];
  let i = 0;
  let trimNext = false;
  const lineOf = (at: number): number => src.slice(0, at).split('\n').length;
  while (i <= src.length) {
    const open = src.indexOf(left, i);
    let text = src.slice(i, open < 0 ? src.length : open);
    if (trimNext) text = text.replace(/^[ \t\r\n]+/, '');
    trimNext = false;
    let start = open + left.length;
    if (open >= 0 && src[start] === '-' && SPACE.test(src[start + 1] ?? '')) {
      text = text.replace(/[ \t\r\n]+$/, '');
      start += 1;
    }
    if (text !== '') out.push({ kind: 'text', text });
    if (open < 0) break;
    const line = lineOf(open);
    const { tokens, end, trimAfter } = lexAction(src, start, right, line);
    trimNext = trimAfter;
    if (tokens !== null) out.push({ kind: 'action', tokens, line });
    i = end;
  }
  return out;
}

function lexAction(src: string, from: number, right: string, line: number): { tokens: Token[] | null; end: number; trimAfter: boolean } {
  let i = from;
  while (SPACE.test(src[i] ?? '')) i++;
  if (src.startsWith('/*', i)) {
    const close = src.indexOf('*/', i + 2);
    if (close < 0) throw new TemplateSyntaxError('unclosed comment', line);
    let j = close + 2;
    let trimAfter = false;
    while (SPACE.test(src[j] ?? '')) j++;
    if (src[j] === '-' && src.startsWith(right, j + 1)) {
      trimAfter = true;
      j++;
    }
    if (!src.startsWith(right, j)) throw new TemplateSyntaxError('comment ends before closing delimiter', line);
    return { tokens: null, end: j + right.length, trimAfter };
  }
  const tokens: Token[] = [];
  for (;;) {
    const before = i;
    while (SPACE.test(src[i] ?? '')) i++;
    const spaced = i > before || tokens.length === 0;
    if (i >= src.length) throw new TemplateSyntaxError('unclosed action', line);
    if (src[i] === '-' && SPACE.test(src[i - 1] ?? '') && src.startsWith(right, i + 1)) return { tokens, end: i + 1 + right.length, trimAfter: true };
    if (src.startsWith(right, i)) return { tokens, end: i + right.length, trimAfter: false };
    const c = src[i] ?? '';
    const rest = src.slice(i);
    const push = (kind: TokenKind, text: string, value?: string | number | boolean): void => {
      tokens.push(value === undefined ? { kind, text, spaced } : { kind, text, value, spaced });
      i += text.length;
    };
    let m: RegExpExecArray | null;
    if (c === '"') {
      m = /^"(?:[^"\\\n]|\\.)*"/.exec(rest);
      if (!m) throw new TemplateSyntaxError('unterminated quoted string', line);
      push('string', m[0], unquote(m[0], line));
    } else if (c === '`') {
      const close = src.indexOf('`', i + 1);
      if (close < 0) throw new TemplateSyntaxError('unterminated raw quoted string', line);
      push('string', src.slice(i, close + 1), src.slice(i + 1, close));
    } else if (rest.startsWith(':=')) push('declare', ':=');
    else if (c === '=') push('assign', '=');
    else if (c === '(') push('lparen', '(');
    else if (c === ')') push('rparen', ')');
    else if (c === '|') push('pipe', '|');
    else if (c === ',') push('comma', ',');
    else if ((m = /^\$[A-Za-z0-9_]*/.exec(rest))) push('var', m[0]);
    else if ((m = /^\.[A-Za-z_][A-Za-z0-9_]*/.exec(rest))) push('field', m[0], m[0].slice(1));
    else if (c === '.') push('dot', '.');
    else if ((m = /^[-+]?(?:0x[0-9a-fA-F]+|\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)/.exec(rest))) push('number', m[0], Number(m[0]));
    else if ((m = /^'(?:[^'\\]|\\.)'/.exec(rest))) push('number', m[0], unquote(`"${m[0].slice(1, -1)}"`, line).codePointAt(0) ?? 0);
    else if ((m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest))) {
      if (m[0] === 'true' || m[0] === 'false') push('bool', m[0], m[0] === 'true');
      else if (m[0] === 'nil') push('nil', m[0]);
      else push('ident', m[0]);
    } else throw new TemplateSyntaxError(`unexpected "${c}" in action`, line);
  }
}

function unquote(q: string, line: number): string {
  try {
    // Go and JSON escapes coincide for the forms templates use (\n, \t, \", \\, \uXXXX).
    return JSON.parse(q.replace(/\\x([0-9a-fA-F]{2})/g, '\\u00$1')) as string;
  } catch {
    throw new TemplateSyntaxError(`invalid quoted string ${q}`, line);
  }
}
