/**
 * Turns a path-table pattern (a JavaScript regular expression) into the OpenAPI paths it
 * stands for, as Vault's framework does for its Go patterns: every alternation and every
 * optional part forks the path, a named group becomes a `{name}` parameter (what it
 * matches inside is not looked at), and a trailing optional `/` is dropped. A pattern
 * using anything else outside a named group (a class, `.`, `*`, `+`, `{n}`) has no
 * faithful OpenAPI form: the answer is null and the caller documents it without
 * operations, as Vault does.
 */

type Node =
  | { t: 'lit'; s: string }
  | { t: 'seq'; items: Node[] }
  | { t: 'alt'; options: Node[] }
  | { t: 'opt'; child: Node }
  | { t: 'param'; name: string }
  | { t: 'unsupported' };

export interface ExpandedPattern {
  /** OpenAPI paths (no leading slash), in the order the alternatives are written. */
  paths: string[];
  /** Every named group of the pattern, including those in options a path left out. */
  captures: Set<string>;
}

class Parser {
  private i = 0;
  readonly captures = new Set<string>();
  constructor(private readonly src: string) {}

  parse(): Node {
    const n = this.alternation();
    if (this.i < this.src.length) return { t: 'unsupported' };
    return n;
  }

  private alternation(): Node {
    const options = [this.sequence()];
    while (this.src[this.i] === '|') {
      this.i++;
      options.push(this.sequence());
    }
    return options.length === 1 ? options[0]! : { t: 'alt', options };
  }

  private sequence(): Node {
    const items: Node[] = [];
    while (this.i < this.src.length && this.src[this.i] !== '|' && this.src[this.i] !== ')') {
      let atom = this.atom();
      const q = this.src[this.i];
      if (q === '?') {
        this.i++;
        atom = { t: 'opt', child: atom };
      } else if (q === '*' || q === '+' || (q === '{' && /^\{\d+(,\d*)?\}/.test(this.src.slice(this.i)))) {
        // A repeated part has no single OpenAPI path (Vault refuses a repeated group too).
        this.skipQuantifier();
        atom = { t: 'unsupported' };
      }
      items.push(atom);
    }
    return { t: 'seq', items };
  }

  private skipQuantifier(): void {
    if (this.src[this.i] === '{') this.i = this.src.indexOf('}', this.i) + 1;
    else this.i++;
    if (this.src[this.i] === '?') this.i++; // lazy
  }

  private atom(): Node {
    const c = this.src[this.i]!;
    if (c === '^' || c === '$') {
      this.i++;
      return { t: 'seq', items: [] };
    }
    if (c === '\\') {
      const e = this.src[this.i + 1] ?? '';
      this.i += 2;
      // \w, \d, \s, \b and friends are classes or assertions, not characters of a path.
      return /[A-Za-z0-9]/.test(e) ? { t: 'unsupported' } : { t: 'lit', s: e };
    }
    if (c === '[') {
      this.skipClass();
      return { t: 'unsupported' };
    }
    if (c === '.') {
      this.i++;
      return { t: 'unsupported' };
    }
    if (c === '(') return this.group();
    this.i++;
    return { t: 'lit', s: c };
  }

  private group(): Node {
    const rest = this.src.slice(this.i);
    const named = /^\(\?<([A-Za-z_]\w*)>/.exec(rest);
    if (named) {
      this.i += named[0].length;
      this.skipToClose();
      this.captures.add(named[1]!);
      return { t: 'param', name: named[1]! };
    }
    // (?: ) and a plain ( ) are both just grouping here, as in Vault.
    this.i += rest.startsWith('(?:') ? 3 : rest.startsWith('(?') ? rest.length : 1;
    const inner = this.alternation();
    if (this.src[this.i] !== ')') return { t: 'unsupported' };
    this.i++;
    return inner;
  }

  /** Past the `)` closing the current group, whatever it holds. */
  private skipToClose(): void {
    let depth = 1;
    while (this.i < this.src.length && depth > 0) {
      const c = this.src[this.i]!;
      if (c === '\\') this.i += 2;
      else if (c === '[') this.skipClass();
      else {
        if (c === '(') depth++;
        else if (c === ')') depth--;
        this.i++;
      }
    }
  }

  private skipClass(): void {
    this.i++;
    if (this.src[this.i] === '^') this.i++;
    if (this.src[this.i] === ']') this.i++;
    while (this.i < this.src.length && this.src[this.i] !== ']') this.i += this.src[this.i] === '\\' ? 2 : 1;
    this.i++;
  }
}

interface Partial {
  text: string;
  /** Length of `text` right after an optional "/" was taken; a path ending there is dropped. */
  slashAt: number;
}

function walk(n: Node, acc: Partial[]): Partial[] | null {
  switch (n.t) {
    case 'lit':
      return acc.map((p) => ({ ...p, text: p.text + n.s }));
    case 'param':
      return acc.map((p) => ({ ...p, text: `${p.text}{${n.name}}` }));
    case 'seq': {
      let cur: Partial[] | null = acc;
      for (const item of n.items) {
        cur = walk(item, cur);
        if (cur === null) return null;
      }
      return cur;
    }
    case 'alt': {
      const out: Partial[] = [];
      for (const o of n.options) {
        const r = walk(o, acc);
        if (r === null) return null;
        out.push(...r);
      }
      return out;
    }
    case 'opt': {
      const taken = walk(n.child, acc);
      if (taken === null) return null;
      const slash = n.child.t === 'lit' && n.child.s === '/';
      return [...acc, ...(slash ? taken.map((p) => ({ ...p, slashAt: p.text.length })) : taken)];
    }
    case 'unsupported':
      return null;
  }
}

/** The OpenAPI paths of `pattern`, or null when it has no OpenAPI form. */
export function expandPattern(pattern: string): ExpandedPattern | null {
  const parser = new Parser(pattern);
  const tree = parser.parse();
  const parts = walk(tree, [{ text: '', slashAt: -1 }]);
  if (parts === null) return null;
  const paths: string[] = [];
  for (const p of parts) if (p.slashAt !== p.text.length && !paths.includes(p.text)) paths.push(p.text);
  return { paths, captures: parser.captures };
}
