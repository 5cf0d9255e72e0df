import type { Command } from '../command.js';

const agent: Command = {
  synopsis: 'Start a Ward agent (auto-auth, token sinks, templates, API proxy)',
  help: `agent [-config=FILE] [options]

  Starts the agent: it logs in with a platform identity (approle, kubernetes or
  token_file), keeps the token alive, writes it to sinks, renders templates into
  files and serves a local API proxy. The configuration is a Vault Agent file (HCL or
  JSON), read unchanged. With -exit-after-auth (or exit_after_auth = true) it logs in,
  renders every template once and exits, as an init container does. Without -config
  the configuration is read from VAULT_CONFIG (base64 of the JSON form), which is how
  the Kubernetes injector configures the containers it adds.`,
  flags: [
    { name: 'config', kind: 'string', usage: 'Path to the agent configuration file (HCL or JSON).' },
    { name: 'exit-after-auth', kind: 'bool', usage: 'Exit after the first successful auth, once sinks are written and templates rendered.' },
    { name: 'check-rendered', kind: 'bool', usage: 'Exit 0 if every sink and template file exists, else 1 (startup probe of an injected native sidecar).' },
    { name: 'revoke-on-shutdown', kind: 'bool', usage: 'On SIGTERM/SIGINT, wait -revoke-grace seconds, then revoke the agent\'s token (and its leases).' },
    { name: 'revoke-grace', kind: 'string', usage: 'Seconds between the stop signal and the revocation (default 5).' },
    { name: 'log-level', kind: 'string', usage: 'Log level: trace, debug, info, warn or error.', default: 'info' },
  ],
  usesClient: false,
  async run(ctx) {
    const args: string[] = [];
    const config = ctx.flags.str('config');
    if (config !== undefined) args.push(`-config=${config}`);
    if (ctx.flags.has('exit-after-auth')) args.push(`-exit-after-auth=${ctx.flags.bool('exit-after-auth')}`);
    if (ctx.flags.bool('check-rendered')) args.push('-check-rendered');
    if (ctx.flags.bool('revoke-on-shutdown')) args.push('-revoke-on-shutdown');
    const grace = ctx.flags.str('revoke-grace');
    if (grace !== undefined) args.push(`-revoke-grace=${grace}`);
    args.push(`-log-level=${ctx.flags.str('log-level') ?? 'info'}`, ...ctx.args);
    const env = { ...ctx.io.env };
    // -address on the command line wins over VAULT_ADDR and the file, as for other commands.
    if (ctx.flags.has('address')) env['VAULT_ADDR'] = ctx.flags.str('address') ?? '';
    // Loaded lazily: the agent is a separate program that only `ward agent` needs.
    const mod = await import('../../agent/main.js');
    return mod.runAgent(args, { stderr: ctx.io.stderr, env, exit: (code) => process.exit(code) });
  },
};

export const agentCommands: Record<string, Command> = { agent };
