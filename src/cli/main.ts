import { ConnectionError, OutputStringError } from '../api/index.js';
import { CliError, Ctx, describeError, envClientOptions, type Command, type Io } from './command.js';
import { HelpRequested, UsageError, flagHelp, parseFlags, type FlagSpec } from './flags.js';
import { FORMATS, type Format } from './format.js';
import { envSetting } from '../api/index.js';
import { commands } from './commands/index.js';
import { exitOnClosedStdout, exitOnSignals } from './signals.js';

/** Flags every client command accepts (vault's "HTTP Options" and "Output Options"). */
export const GLOBAL_FLAGS: FlagSpec[] = [
  { name: 'address', kind: 'string', usage: 'Address of the Ward server (overrides WARD_ADDR / VAULT_ADDR).' },
  { name: 'ca-cert', kind: 'string', usage: 'PEM-encoded CA certificate file used to verify the server (VAULT_CACERT).' },
  { name: 'ca-path', kind: 'string', usage: 'Directory of PEM-encoded CA certificates (VAULT_CAPATH).' },
  { name: 'client-cert', kind: 'string', usage: 'PEM-encoded client certificate for TLS authentication (VAULT_CLIENT_CERT).' },
  { name: 'client-key', kind: 'string', usage: 'PEM-encoded private key matching -client-cert (VAULT_CLIENT_KEY).' },
  { name: 'tls-server-name', kind: 'string', usage: 'Server name to use as SNI host when connecting over TLS.' },
  { name: 'tls-skip-verify', kind: 'bool', usage: 'Skip verification of the server TLS certificate. Insecure (VAULT_SKIP_VERIFY).' },
  { name: 'namespace', kind: 'string', aliases: ['ns'], usage: 'Namespace sent as X-Vault-Namespace; accepted for compatibility.' },
  { name: 'wrap-ttl', kind: 'string', usage: 'Wrap the response in a cubbyhole token valid for this duration (VAULT_WRAP_TTL).' },
  { name: 'non-interactive', kind: 'bool', usage: 'Never prompt; fail instead when input is missing.' },
  { name: 'format', kind: 'string', usage: 'Output format: table, json, yaml or pretty (VAULT_FORMAT).' },
  { name: 'field', kind: 'string', usage: 'Print only this field, raw, with no trailing newline unless stdout is a terminal.' },
  { name: 'header', kind: 'map', usage: 'Extra HTTP header (key=value) on every request; repeatable.' },
  { name: 'policy-override', kind: 'bool', usage: 'Send X-Vault-Policy-Override: true (override soft-mandatory policies).' },
  { name: 'output-curl-string', kind: 'bool', usage: 'Print the equivalent curl command instead of sending the request.' },
  { name: 'output-policy', kind: 'bool', usage: 'Print the ACL policy the request needs instead of sending it.' },
];

function mainHelp(): string {
  const names = Object.keys(commands).filter((n) => !n.includes(' '));
  const groups = [...new Set(Object.keys(commands).filter((n) => n.includes(' ')).map((n) => n.split(' ')[0] ?? ''))];
  const all = [...names, ...groups, 'server'].sort();
  const w = Math.max(...all.map((n) => n.length));
  const line = (n: string): string => `    ${n.padEnd(w)}    ${n === 'server' ? 'Start a Ward server' : (commands[n]?.synopsis ?? `${n} subcommands`)}`;
  return `Usage: ward <command> [args]\n\nCommands:\n${all.map(line).join('\n')}\n\nRun "ward <command> -h" for a command's flags.\n`;
}

function groupHelp(group: string): string {
  const subs = Object.keys(commands).filter((n) => n.startsWith(`${group} `)).sort();
  const w = Math.max(...subs.map((n) => n.length));
  return `Usage: ward ${group} <subcommand> [options] [args]\n\nSubcommands:\n${subs.map((n) => `    ${n.padEnd(w)}    ${commands[n]?.synopsis ?? ''}`).join('\n')}\n`;
}

function commandHelp(cmd: Command): string {
  const own = cmd.flags ?? [];
  const global = cmd.usesClient === false ? GLOBAL_FLAGS.filter((f) => f.name === 'format' || f.name === 'field') : GLOBAL_FLAGS;
  let text = `Usage: ward ${cmd.help.trim()}\n`;
  if (own.length) text += `\nCommand Options:\n\n${flagHelp(own)}\n`;
  return `${text}\nGlobal Options:\n\n${flagHelp(global)}\n`;
}

/** `127.0.0.1:8200` is the usual first mistake: name the variable and its value, not "Invalid URL". */
function checkScheme(address: string | undefined, source: string): void {
  if (!address || /^[a-z][a-z0-9+.-]*:\/\//i.test(address)) return;
  throw new CliError(`Error: ${source}="${address}" has no scheme: use "http://${address}" for a plain-HTTP listener or "https://${address}" for TLS`, 1);
}

/** The command's first help line: `Usage: ward kv get [options] KEY`. */
function usageLine(cmd: Command): string {
  return `Usage: ward ${cmd.help.trim().split('\n')[0]?.trim() ?? ''}`;
}

/** Finds the longest command name that prefixes argv (`kv metadata get` before `kv`; Vault's `operator raft snapshot save` is four words). */
function lookup(argv: readonly string[]): { name: string; cmd: Command; rest: string[] } | undefined {
  for (let n = Math.min(4, argv.length); n >= 1; n--) {
    const name = argv.slice(0, n).join(' ');
    const cmd = commands[name];
    if (cmd) return { name, cmd, rest: argv.slice(n) };
  }
  return undefined;
}

async function runServer(args: string[]): Promise<number> {
  // Loaded lazily: only `server` pulls in the core; client commands talk to src/api alone.
  const mod = await import('../server/main.js');
  return mod.runServer(args);
}

/** Runs the CLI with injected I/O and returns the exit code (0 ok, 1 local/usage error, 2 server error). */
export async function run(argv: string[], io: Io): Promise<number> {
  const first = argv[0];
  if (first === undefined || first === '-h' || first === '-help' || first === '--help' || first === 'help') {
    (first === undefined ? io.stderr : io.stdout).write(mainHelp());
    return first === undefined ? 1 : 0;
  }
  if (first === '-v' || first === '-version' || first === '--version') argv = ['version', ...argv.slice(1)];
  if (argv[0] === 'server') return runServer(argv.slice(1));
  const found = lookup(argv);
  if (!found) {
    const group = argv[0] ?? '';
    if (Object.keys(commands).some((n) => n.startsWith(`${group} `))) {
      const wantsHelp = argv.slice(1).some((a) => /^--?h(elp)?$/.test(a));
      const unknown = argv[1] && !argv[1].startsWith('-') ? `Unknown subcommand "${group} ${argv[1]}"\n\n` : '';
      (wantsHelp && !unknown ? io.stdout : io.stderr).write(unknown + groupHelp(group));
      return wantsHelp && !unknown ? 0 : 1;
    }
    io.stderr.write(`Unknown command "${group}"\n\n${mainHelp()}`);
    return 1;
  }
  const { name, cmd, rest } = found;
  try {
    const { flags, args } = parseFlags(rest, [...GLOBAL_FLAGS, ...(cmd.flags ?? [])]);
    const trailing = args.filter((a) => a.startsWith('-') && a !== '-');
    // Flags stop at the first positional argument, as in vault; say so in vault's words.
    if (trailing.length > 0) io.stderr.write(`Command flags must be provided before positional arguments. The following arguments will not be parsed as flags: [${trailing.join(',')}]\n`);
    const fmt = (flags.str('format') ?? envSetting(io.env, 'FORMAT') ?? 'table').toLowerCase();
    if (!FORMATS.includes(fmt as Format)) throw new UsageError(`Invalid output format: ${fmt} (expected table, json, yaml or pretty)`);
    const o = envClientOptions(io.env);
    const s = (flag: string): string | undefined => flags.str(flag) || undefined;
    o.address = s('address') ?? o.address;
    // Commands with an -address of their own (k8s bootstrap's pod list) check it themselves.
    if (cmd.usesClient !== false && !(cmd.flags ?? []).some((f) => f.name === 'address')) {
      checkScheme(o.address, s('address') ? '-address' : io.env['WARD_ADDR'] ? 'WARD_ADDR' : 'VAULT_ADDR');
    }
    o.caCert = s('ca-cert') ?? o.caCert;
    o.caPath = s('ca-path') ?? o.caPath;
    o.clientCert = s('client-cert') ?? o.clientCert;
    o.clientKey = s('client-key') ?? o.clientKey;
    o.tlsServerName = s('tls-server-name') ?? o.tlsServerName;
    o.namespace = s('namespace') ?? o.namespace;
    o.wrapTtl = flags.has('wrap-ttl') ? (flags.str('wrap-ttl') ?? '') : o.wrapTtl;
    if (flags.has('tls-skip-verify')) o.tlsSkipVerify = flags.bool('tls-skip-verify');
    if (flags.has('header')) o.headers = flags.map('header');
    if (flags.bool('policy-override')) o.policyOverride = true;
    if (flags.bool('output-curl-string')) o.outputMode = 'curl';
    else if (flags.bool('output-policy')) o.outputMode = 'policy';
    for (const k of Object.keys(o) as (keyof typeof o)[]) if (o[k] === undefined) delete o[k];
    const ctx = new Ctx(io, name, args, flags, fmt as Format, o);
    return await cmd.run(ctx);
  } catch (e) {
    if (e instanceof OutputStringError) {
      io.stdout.write(`${e.text}\n`);
      return 0;
    }
    if (e instanceof HelpRequested) {
      io.stdout.write(commandHelp(cmd));
      return 0;
    }
    if (e instanceof UsageError) {
      // The error and the one usage line; the whole flag list buried the message (`-h` shows it).
      io.stderr.write(`${e.message}\n\n${usageLine(cmd)}\n`);
      return 1;
    }
    if (e instanceof CliError) {
      io.stderr.write(`${e.message}\n`);
      return e.code;
    }
    io.stderr.write(`Error: ${describeError(e)}\n`);
    return e instanceof ConnectionError ? 2 : 1;
  }
}

/** The `bin/ward` entry point: process I/O and environment. */
export async function main(argv: string[]): Promise<number> {
  // The server, the agent and the Kubernetes components shut down gracefully on their own signal handlers.
  if (argv[0] !== 'server' && argv[0] !== 'agent' && argv[0] !== 'k8s') {
    exitOnSignals();
    exitOnClosedStdout();
  }
  return run(argv, { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env });
}
