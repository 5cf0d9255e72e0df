/**
 * Vault-style flag parsing: `-f=v`, `-f v`, `--f=v`, `--f v`, booleans `-f` / `-f=false`
 * (a bare boolean never consumes the next word), flags end at the first positional
 * argument, `--` or a lone `-` (stdin).
 */

export type FlagKind = 'string' | 'bool' | 'int' | 'strings' | 'map';

export type FlagSpec = {
  name: string;
  kind: FlagKind;
  usage: string;
  aliases?: string[];
  /** Shown in help; the value used when the flag is absent (string/int/bool only). */
  default?: string | number | boolean;
};

type FlagValue = string | boolean | number | string[] | Record<string, string>;

/** A usage problem: bad flag, missing argument. Exit code 1 with help text. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Raised for `-h`/`-help`; the caller prints help and exits 0. */
export class HelpRequested extends Error {
  override readonly name = 'HelpRequested';
}

/** Parsed flag values with typed accessors; absent flags fall back to the spec default. */
export class Flags {
  constructor(
    private readonly specs: Map<string, FlagSpec>,
    private readonly values: Map<string, FlagValue>,
  ) {}

  /** True when the flag was given on the command line. */
  has(name: string): boolean {
    return this.values.has(name);
  }

  str(name: string): string | undefined {
    const v = this.values.get(name) ?? this.specs.get(name)?.default;
    return v === undefined ? undefined : String(v);
  }

  bool(name: string): boolean {
    const v = this.values.get(name) ?? this.specs.get(name)?.default;
    return v === true;
  }

  int(name: string): number | undefined {
    const v = this.values.get(name) ?? this.specs.get(name)?.default;
    return typeof v === 'number' ? v : undefined;
  }

  list(name: string): string[] {
    const v = this.values.get(name);
    return Array.isArray(v) ? v : [];
  }

  map(name: string): Record<string, string> {
    const v = this.values.get(name);
    return v && typeof v === 'object' && !Array.isArray(v) ? v : {};
  }
}

function parseBoolFlag(name: string, v: string): boolean {
  if (/^(1|t|true)$/i.test(v)) return true;
  if (/^(0|f|false)$/i.test(v)) return false;
  throw new UsageError(`invalid boolean value "${v}" for -${name}`);
}

/** Parses `argv` against `specs`. Unknown flags and missing values are UsageErrors. */
export function parseFlags(argv: readonly string[], specs: readonly FlagSpec[]): { flags: Flags; args: string[] } {
  const byName = new Map<string, FlagSpec>();
  for (const s of specs) {
    byName.set(s.name, s);
    for (const a of s.aliases ?? []) byName.set(a, s);
  }
  const canonical = new Map<string, FlagSpec>(specs.map((s) => [s.name, s]));
  const values = new Map<string, FlagValue>();
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--') {
      i++;
      break;
    }
    if (a === '-' || !a.startsWith('-')) break;
    const body = a.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq >= 0 ? body.slice(0, eq) : body;
    if (name === 'h' || name === 'help') throw new HelpRequested();
    const spec = byName.get(name);
    if (!spec || name === '') throw new UsageError(`flag provided but not defined: -${name}`);
    let raw: string;
    if (spec.kind === 'bool') {
      values.set(spec.name, eq >= 0 ? parseBoolFlag(name, body.slice(eq + 1)) : true);
      continue;
    }
    if (eq >= 0) raw = body.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next === undefined) throw new UsageError(`flag needs an argument: -${name}`);
      raw = next;
      i++;
    }
    switch (spec.kind) {
      case 'string':
        values.set(spec.name, raw);
        break;
      case 'int': {
        if (!/^-?\d+$/.test(raw.trim())) throw new UsageError(`invalid value "${raw}" for -${name}: not an integer`);
        values.set(spec.name, Number.parseInt(raw, 10));
        break;
      }
      case 'strings': {
        const prev = values.get(spec.name);
        values.set(spec.name, [...(Array.isArray(prev) ? prev : []), raw]);
        break;
      }
      case 'map': {
        const k = raw.indexOf('=');
        if (k <= 0) throw new UsageError(`invalid value "${raw}" for -${name}: expected key=value`);
        const prev = values.get(spec.name);
        const m = prev && typeof prev === 'object' && !Array.isArray(prev) ? prev : {};
        values.set(spec.name, { ...m, [raw.slice(0, k)]: raw.slice(k + 1) });
        break;
      }
    }
  }
  return { flags: new Flags(canonical, values), args: argv.slice(i) };
}

/** Renders flag help lines for a command's help text. */
export function flagHelp(specs: readonly FlagSpec[]): string {
  return specs
    .map((s) => {
      const arg = s.kind === 'bool' ? '' : s.kind === 'int' ? '=<int>' : s.kind === 'map' ? '=<key=value>' : '=<string>';
      const def = s.default !== undefined && s.default !== '' ? ` The default is ${String(s.default)}.` : '';
      const alias = s.aliases?.length ? ` (alias: ${s.aliases.map((x) => `-${x}`).join(', ')})` : '';
      return `  -${s.name}${arg}${alias}\n      ${s.usage}${def}`;
    })
    .join('\n\n');
}
