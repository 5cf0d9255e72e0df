/**
 * Executes a parsed template. Evaluation is asynchronous because `secret` and friends
 * fetch from the server; control flow and truthiness follow Go's text/template.
 */
import { isMap, printValue, type Value } from './format.js';
import type { Arg, Cmd, Node, Pipe } from './parser.js';

/** A failure while executing; `line` is where the failing action sits in the template. */
export class TemplateExecError extends Error {
  override readonly name = 'TemplateExecError';
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
  }
}

/** A template function; the piped value, if any, arrives as the last argument. */
export type TemplateFunc = (...args: Value[]) => Value | Promise<Value>;

/** Functions and missing-key policy for one execution. */
export interface ExecOptions {
  funcs: Readonly<Record<string, TemplateFunc>>;
  /** `error_on_missing_key`: a missing map key fails instead of printing `<no value>`. */
  errorOnMissingKey: boolean;
}

/** Go's notion of "empty" used by if/with/range. */
export function truth(v: Value): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v) || v instanceof Uint8Array) return v.length > 0;
  if (isMap(v)) return Object.keys(v).length > 0;
  return true;
}

const NONE = Symbol('no piped value');

/** Renders `nodes` to a string. */
export async function execute(nodes: Node[], o: ExecOptions, dot: Value = undefined): Promise<string> {
  const x = new Exec(o, dot);
  await x.list(nodes, dot);
  return x.out.join('');
}

class Exec {
  readonly out: string[] = [];
  private vars: { name: string; value: Value }[];
  private line = 1;

  constructor(
    private readonly o: ExecOptions,
    root: Value,
  ) {
    this.vars = [{ name: '$', value: root }];
  }

  async list(nodes: Node[], dot: Value): Promise<void> {
    for (const n of nodes) await this.node(n, dot);
  }

  private async scoped(nodes: Node[], dot: Value): Promise<void> {
    const mark = this.vars.length;
    await this.list(nodes, dot);
    this.vars.length = mark;
  }

  private async node(n: Node, dot: Value): Promise<void> {
    if (n.k === 'text') {
      this.out.push(n.text);
      return;
    }
    this.line = n.pipe.line;
    if (n.k === 'action') {
      const v = await this.pipe(n.pipe, dot);
      if (n.pipe.vars.length === 0) this.out.push(printValue(v));
      return;
    }
    if (n.k === 'range') return this.range(n.pipe, n.body, n.alt, dot);
    const mark = this.vars.length;
    const v = await this.pipe(n.pipe, dot);
    if (truth(v)) await this.list(n.body, n.k === 'with' ? v : dot);
    else if (n.alt) await this.list(n.alt, dot);
    this.vars.length = mark;
  }

  private async range(p: Pipe, body: Node[], alt: Node[] | null, dot: Value): Promise<void> {
    const v = await this.pipe({ ...p, vars: [] }, dot);
    const entries: [Value, Value][] = [];
    if (Array.isArray(v)) v.forEach((e, i) => entries.push([i, e]));
    else if (isMap(v)) for (const k of Object.keys(v).sort()) entries.push([k, v[k]]);
    else if (typeof v === 'number' && Number.isInteger(v)) for (let i = 0; i < v; i++) entries.push([i, i]);
    else if (v !== undefined && v !== null) throw this.error(`range can't iterate over ${printValue(v)}`);
    if (entries.length === 0) {
      if (alt) await this.scoped(alt, dot);
      return;
    }
    for (const [k, e] of entries) {
      const mark = this.vars.length;
      if (p.vars.length === 1) this.vars.push({ name: p.vars[0] ?? '', value: e });
      if (p.vars.length === 2) this.vars.push({ name: p.vars[0] ?? '', value: k }, { name: p.vars[1] ?? '', value: e });
      await this.list(body, e);
      this.vars.length = mark;
    }
  }

  private async pipe(p: Pipe, dot: Value): Promise<Value> {
    let v: Value | typeof NONE = NONE;
    for (const c of p.cmds) v = await this.cmd(c, dot, v);
    const value = v === NONE ? undefined : v;
    if (p.vars.length > 0) {
      const name = p.vars[0] ?? '';
      if (p.assign) {
        const slot = [...this.vars].reverse().find((x) => x.name === name);
        if (!slot) throw this.error(`undefined variable: ${name}`);
        slot.value = value;
      } else this.vars.push({ name, value });
    }
    return value;
  }

  private async cmd(c: Cmd, dot: Value, piped: Value | typeof NONE): Promise<Value> {
    const [first, ...rest] = c.args;
    if (first?.k === 'fn') {
      const args: Value[] = [];
      for (const a of rest) args.push(await this.arg(a, dot));
      if (piped !== NONE) args.push(piped);
      return this.call(first.name, args);
    }
    if (!first) throw this.error('empty command');
    if (rest.length > 0 || piped !== NONE) throw this.error(`can't give argument to non-function ${describe(first)}`);
    return this.arg(first, dot);
  }

  private async call(name: string, args: Value[]): Promise<Value> {
    const f = this.o.funcs[name];
    if (!f) throw this.error(`function "${name}" not defined`);
    try {
      return await f(...args);
    } catch (e) {
      if (e instanceof TemplateExecError) throw e;
      throw this.error(`error calling ${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private async arg(a: Arg, dot: Value): Promise<Value> {
    switch (a.k) {
      case 'lit': return a.value;
      case 'fn': return this.call(a.name, []);
      case 'dot': return this.chain(dot, a.chain, '.');
      case 'field': return this.chain(dot, a.chain, '');
      case 'var': {
        const slot = [...this.vars].reverse().find((x) => x.name === a.name);
        if (!slot) throw this.error(`undefined variable: ${a.name}`);
        return this.chain(slot.value, a.chain, a.name);
      }
      case 'sub': return this.chain(await this.pipe(a.pipe, dot), a.chain, '(…)');
    }
  }

  private chain(v: Value, names: string[], base: string): Value {
    let cur = v;
    let path = base;
    for (const name of names) {
      path = `${path}.${name}`;
      if (isMap(cur)) {
        if (Object.prototype.hasOwnProperty.call(cur, name)) cur = cur[name];
        else if (this.o.errorOnMissingKey) throw this.error(`map has no entry for key "${name}" (evaluating ${path})`);
        else cur = undefined;
      } else if (cur === undefined || cur === null) {
        throw this.error(`nil pointer evaluating ${path}`);
      } else {
        throw this.error(`can't evaluate field ${name} in ${Array.isArray(cur) ? 'a list' : typeof cur} (evaluating ${path})`);
      }
    }
    return cur;
  }

  private error(msg: string): TemplateExecError {
    return new TemplateExecError(msg, this.line);
  }
}

function describe(a: Arg): string {
  if (a.k === 'lit') return JSON.stringify(a.value);
  if (a.k === 'field') return `.${a.chain.join('.')}`;
  if (a.k === 'var') return a.name;
  return a.k;
}
