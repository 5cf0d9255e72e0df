/**
 * Parser: pieces from the lexer into a tree of text, actions and the control
 * structures (if / else if / else, with, range, variables) templates for Vault use.
 */
import { TemplateSyntaxError, lex, type Piece, type Token } from './lexer.js';

/** An operand; `chain` holds field names applied after it (`(secret "x").Data`, `$v.a.b`). */
export type Arg =
  | { k: 'dot'; chain: string[] }
  | { k: 'field'; chain: string[] }
  | { k: 'var'; name: string; chain: string[] }
  | { k: 'lit'; value: string | number | boolean | null }
  | { k: 'fn'; name: string }
  | { k: 'sub'; pipe: Pipe; chain: string[] };

/** Command: a function call (`fn` first) or a single operand. */
export type Cmd = { args: Arg[] };

/** A pipeline with an optional declaration (`$a := …`, `$k, $v := …`) or assignment. */
export type Pipe = { vars: string[]; assign: boolean; cmds: Cmd[]; line: number };

export type Node =
  | { k: 'text'; text: string }
  | { k: 'action'; pipe: Pipe }
  | { k: 'if' | 'with' | 'range'; pipe: Pipe; body: Node[]; alt: Node[] | null };

const CONTROL = new Set(['if', 'with', 'range', 'else', 'end', 'define', 'template', 'block', 'break', 'continue']);

/** Parses template text into its node list. Throws {@link TemplateSyntaxError}. */
export function parseTemplate(src: string, left = '{{', right = '}}'): Node[] {
  const p = new Parser(lex(src, left, right));
  const nodes = p.list(new Set());
  if (p.peek()) throw new TemplateSyntaxError(`unexpected {{${p.peekWord()}}}`, p.peekLine());
  return nodes;
}

class Parser {
  private i = 0;
  constructor(private readonly pieces: Piece[]) {}

  peek(): Piece | undefined {
    return this.pieces[this.i];
  }

  peekWord(): string {
    const p = this.peek();
    return p?.kind === 'action' ? (p.tokens[0]?.text ?? '') : '';
  }

  peekLine(): number {
    const p = this.peek();
    return p?.kind === 'action' ? p.line : 0;
  }

  /** Nodes until one of the `stop` keywords (left unconsumed) or the end. */
  list(stop: Set<string>): Node[] {
    const out: Node[] = [];
    for (let p = this.peek(); p; p = this.peek()) {
      if (p.kind === 'text') {
        out.push({ k: 'text', text: p.text });
        this.i++;
        continue;
      }
      const word = p.tokens[0]?.kind === 'ident' ? (p.tokens[0].text ?? '') : '';
      if (stop.has(word)) return out;
      this.i++;
      if (p.tokens.length === 0) throw new TemplateSyntaxError('missing value for command', p.line);
      if (word === 'if' || word === 'with' || word === 'range') out.push(this.control(word, p.tokens.slice(1), p.line));
      else if (CONTROL.has(word)) throw new TemplateSyntaxError(`unexpected {{${word}}}`, p.line);
      else out.push({ k: 'action', pipe: pipeline(p.tokens, p.line, true) });
    }
    if (stop.size > 0) throw new TemplateSyntaxError('unexpected EOF: missing {{end}}', this.lastLine());
    return out;
  }

  private control(word: 'if' | 'with' | 'range', tokens: Token[], line: number): Node {
    if (tokens.length === 0) throw new TemplateSyntaxError(`missing value for ${word}`, line);
    const pipe = pipeline(tokens, line, word === 'range' || word === 'with' || word === 'if');
    const body = this.list(new Set(['else', 'end']));
    const p = this.peek() as Piece & { kind: 'action' }; // list() stopped on else/end, so an action
    this.i++;
    let alt: Node[] | null = null;
    if (p.tokens[0]?.text === 'else') {
      const chained = p.tokens[1];
      if (chained?.kind === 'ident' && (chained.text === 'if' || chained.text === 'with')) {
        // `else if` / `else with` is sugar for a nested block sharing this block's {{end}}.
        alt = [this.control(chained.text, p.tokens.slice(2), p.line)];
        return { k: word, pipe, body, alt };
      }
      if (p.tokens.length > 1) throw new TemplateSyntaxError('unexpected tokens after else', p.line);
      alt = this.list(new Set(['end', 'else']));
      const end = this.peek() as Piece & { kind: 'action' }; // as above
      this.i++;
      if (end.tokens[0]?.text !== 'end') throw new TemplateSyntaxError('expected {{end}} after {{else}}', end.line);
    }
    return { k: word, pipe, body, alt };
  }

  private lastLine(): number {
    for (let j = this.pieces.length - 1; j >= 0; j--) {
      const p = this.pieces[j];
      if (p?.kind === 'action') return p.line;
    }
    return 1;
  }
}

/** Parses a pipeline, with a leading declaration when `decl` allows one. */
function pipeline(tokens: Token[], line: number, decl: boolean): Pipe {
  let vars: string[] = [];
  let assign = false;
  let start = 0;
  if (decl && tokens[0]?.kind === 'var') {
    const d = tokens.findIndex((t) => t.kind === 'declare' || t.kind === 'assign');
    const head = d > 0 ? tokens.slice(0, d) : [];
    if (d > 0 && head.every((t, n) => (n % 2 === 0 ? t.kind === 'var' : t.kind === 'comma'))) {
      vars = head.filter((t) => t.kind === 'var').map((t) => t.text);
      assign = tokens[d]?.kind === 'assign';
      start = d + 1;
      if (vars.length > 2) throw new TemplateSyntaxError('too many declarations', line);
    }
  }
  const r = new TokenReader(tokens, start, line);
  const pipe = r.pipe();
  if (!r.done()) throw new TemplateSyntaxError(`unexpected "${r.peekText()}"`, line);
  return { ...pipe, vars, assign };
}

class TokenReader {
  constructor(
    private readonly t: Token[],
    private i: number,
    private readonly line: number,
  ) {}

  done(): boolean {
    return this.i >= this.t.length;
  }

  peekText(): string {
    return this.t[this.i]?.text ?? 'EOF';
  }

  pipe(): Pipe {
    const cmds: Cmd[] = [];
    for (;;) {
      const args: Arg[] = [];
      while (!this.done() && this.t[this.i]?.kind !== 'pipe' && this.t[this.i]?.kind !== 'rparen') args.push(this.operand());
      if (args.length === 0) throw new TemplateSyntaxError('missing command in pipeline', this.line);
      cmds.push({ args });
      if (this.t[this.i]?.kind !== 'pipe') break;
      this.i++;
    }
    return { vars: [], assign: false, cmds, line: this.line };
  }

  private operand(): Arg {
    const tok = this.t[this.i++] as Token; // callers check done() first
    let arg: Arg;
    switch (tok.kind) {
      case 'dot': arg = { k: 'dot', chain: [] }; break;
      case 'field': arg = { k: 'field', chain: [String(tok.value)] }; break;
      case 'var': arg = { k: 'var', name: tok.text, chain: [] }; break;
      case 'string': case 'number': case 'bool': arg = { k: 'lit', value: tok.value ?? null }; break;
      case 'nil': arg = { k: 'lit', value: null }; break;
      case 'ident': arg = { k: 'fn', name: tok.text }; break;
      case 'lparen': {
        const pipe = this.pipe();
        if (this.t[this.i]?.kind !== 'rparen') throw new TemplateSyntaxError('unclosed left paren', this.line);
        this.i++;
        arg = { k: 'sub', pipe, chain: [] };
        break;
      }
      default:
        throw new TemplateSyntaxError(`unexpected "${tok.text}" in operand`, this.line);
    }
    while (this.t[this.i]?.kind === 'field' && !this.t[this.i]?.spaced) {
      if (arg.k === 'lit' || arg.k === 'fn') throw new TemplateSyntaxError(`unexpected ${this.t[this.i]?.text} after ${tok.text}`, this.line);
      arg.chain.push(String(this.t[this.i++]?.value));
    }
    return arg;
  }
}
