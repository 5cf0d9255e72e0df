import { ApiError, ConnectionError, OutputStringError, WardClient, flattenServerMessages, optionsFromEnv, type ClientOptions } from '../api/index.js';
import { Flags, UsageError, type FlagSpec } from './flags.js';
import { render, type Format, type Rendering, type Writer } from './format.js';
import { promptHidden, type Input } from './prompt.js';
import { TokenHelper, resolveToken } from './token-helper.js';

/** Process I/O, injectable for tests. */
export type Io = { stdout: Writer; stderr: Writer; stdin: Input; env: NodeJS.ProcessEnv };

/** One CLI command: `{synopsis, help, flags, run}` as in vault's command package. */
export type Command = {
  synopsis: string;
  /** Usage line plus a paragraph or two; flag help is appended automatically. */
  help: string;
  flags?: FlagSpec[];
  /** False for commands that never talk to a server (version, policy fmt). */
  usesClient?: boolean;
  run(ctx: Ctx): Promise<number>;
};

/** A failure with a ready one-line message and exit code. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

/**
 * Describes a failure. A server's answer is vault's multi-line block (`Error making API
 * request.`, URL, Code, one `* message` per error) because scripts grep its lines; a
 * sealed server gets a hint how to unseal.
 */
export function describeError(e: unknown): string {
  if (e instanceof ApiError && e.sealed) return `Ward at ${e.address} is sealed (HTTP 503); unseal it with "ward operator unseal" (once per key share, up to the threshold)`;
  if (e instanceof ApiError) return apiErrorBlock(e);
  if (e instanceof Error) return e.message;
  return String(e);
}

function apiErrorBlock(e: ApiError): string {
  const items = e.errors.length > 0 ? e.errors : flattenServerMessages(e.body?.warnings ?? []);
  const list = items.map((m) => `\n* ${m}`).join('');
  return `Error making API request.\n\nURL: ${e.method} ${e.address}/v1/${e.path}\nCode: ${e.status}. Errors:\n${list === '' ? '' : `\n${list.slice(1)}`}`;
}

/** Everything a command's `run` needs: arguments, flags, the client, output and prompts. */
export class Ctx {
  readonly helper: TokenHelper;
  private clientInstance: WardClient | undefined;

  constructor(
    readonly io: Io,
    readonly name: string,
    readonly args: string[],
    readonly flags: Flags,
    readonly format: Format,
    private readonly clientOptions: ClientOptions,
  ) {
    this.helper = new TokenHelper(io.env);
  }

  /** The `-field` flag, if given. */
  get field(): string | undefined {
    return this.flags.str('field') || undefined;
  }

  /** False with `-non-interactive`. */
  get interactive(): boolean {
    return !this.flags.bool('non-interactive');
  }

  /** The client, built once from environment, global flags and the token helper. */
  get client(): WardClient {
    if (!this.clientInstance) {
      const o: ClientOptions = { ...this.clientOptions };
      if (o.token === undefined) {
        const t = resolveToken(this.io.env, this.helper);
        if (t !== undefined) o.token = t;
      }
      this.clientInstance = new WardClient(o);
    }
    return this.clientInstance;
  }

  /** Base options (environment plus global flags) for commands that build their own client. */
  get options(): ClientOptions {
    return { ...this.clientOptions };
  }

  out(s: string): void {
    this.io.stdout.write(s);
  }

  /** A line on stderr. */
  warn(s: string): void {
    this.io.stderr.write(`${s}\n`);
  }

  /** Prints a rendering in the chosen format (with `-field`); warnings go to stderr in table mode. */
  print(r: Rendering, warnings?: readonly string[] | null): number {
    if (warnings?.length && this.format === 'table' && !this.field) {
      this.warn(`WARNING! The following warnings were returned from Ward:\n\n${warnings.map((w) => `  * ${w}`).join('\n\n')}\n`);
    }
    return render(this.io.stdout, this.io.stderr, r, this.format, this.field);
  }

  /** A success message: printed in table format only (json/yaml stay machine-readable). */
  success(msg: string): number {
    if (this.format === 'table' && !this.field) this.out(`${msg}\n`);
    return 0;
  }

  /** Awaits an API call; failures become `Error <action>: <cause>` (vault's block for server errors) with exit code 2. */
  async api<T>(action: string, p: Promise<T>): Promise<T> {
    try {
      return await p;
    } catch (e) {
      if (e instanceof ApiError && e.sealed && (await this.uninitialized())) {
        throw new CliError(`Error ${action}: Ward at ${e.address} is not initialized; run "ward operator init" (then unseal it with the keys it prints)`, 2);
      }
      const hint = this.connectionHint(e);
      if (hint) throw new CliError(`Error ${action}: ${describeError(e)}${hint}`, 2);
      if (e instanceof ApiError || e instanceof ConnectionError) throw new CliError(`Error ${action}: ${describeError(e)}`, 2);
      if (e instanceof UsageError || e instanceof CliError || e instanceof OutputStringError) throw e;
      throw new CliError(`Error ${action}: ${describeError(e)}`, 1);
    }
  }

  /** A sealed answer may come from a server never initialized: telling it to unseal would mislead. */
  private async uninitialized(): Promise<boolean> {
    try {
      return !(await this.client.initStatus());
    } catch {
      return false;
    }
  }

  /** The paragraph (with its leading blank line) that says how to fix a connection error, or ''. */
  connectionHint(e: unknown): string {
    return e instanceof ConnectionError && e.code === 'EPROTO' && e.address.startsWith('https://') ? `\n\n${this.plainHttpHint(e.address)}` : '';
  }

  /** TLS spoken to a plain-HTTP listener (a dev server): name the variable that fixes it. */
  private plainHttpHint(address: string): string {
    const http = address.replace(/^https:/, 'http:');
    const set = this.io.env['WARD_ADDR'] ? 'WARD_ADDR' : this.io.env['VAULT_ADDR'] ? 'VAULT_ADDR' : undefined;
    const why = set ? `${set} is "${this.io.env[set] ?? ''}"` : `VAULT_ADDR is not set, so the address was ${address}`;
    return `The server at ${address} speaks plain HTTP, not TLS (${why}). For a plain-HTTP listener (e.g. "ward server -dev") run:\n\n    export VAULT_ADDR=${http}`;
  }

  /**
   * The kv commands' sys/internal/ui/mounts preflight: vault prints a server's refusal there
   * as the API error alone (`c.UI.Error(err.Error())`), with no `Error reading …:` in front.
   * A sealed or unreachable server keeps {@link api}'s one helpful line.
   */
  async preflight<T>(action: string, p: Promise<T>): Promise<T> {
    try {
      return await p;
    } catch (e) {
      if (e instanceof ApiError && !e.sealed) throw new CliError(describeError(e), 2);
      return this.api(action, Promise.reject(e));
    }
  }

  /** Like {@link api}, but a 404 resolves to its ApiError (its body may still hold an envelope). */
  async api404<T>(action: string, p: Promise<T>): Promise<T | ApiError> {
    try {
      return await p;
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return e;
      return this.api(action, Promise.reject(e));
    }
  }

  /** Positional argument count check. */
  expectArgs(min: number, max: number, what: string): void {
    const n = this.args.length;
    if (n < min || n > max) {
      const want = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
      throw new UsageError(`Incorrect number of arguments (expected ${want}, got ${n}): ${what}`);
    }
  }

  /** A secret typed by the user, never echoed; refused with `-non-interactive`. */
  async secret(question: string, what: string): Promise<string> {
    if (!this.interactive) throw new UsageError(`missing ${what} and -non-interactive is set`);
    const v = await promptHidden(this.io.stdin, this.io.stderr, question);
    return v.trim();
  }
}

/** Environment plus nothing else: the base the global flags override. */
export function envClientOptions(env: NodeJS.ProcessEnv): ClientOptions {
  try {
    return optionsFromEnv(env);
  } catch (e) {
    throw new CliError(`Error reading environment: ${(e as Error).message}`, 1);
  }
}
