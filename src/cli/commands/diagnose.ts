import type { Command } from '../command.js';

const diagnose: Command = {
  synopsis: 'Troubleshoot the process hardening a Ward server needs on this machine',
  help: `operator diagnose [options]

  Checks, on this machine, what "ward server" needs to harden its process: the
  configuration (with -config), the native addon, memory locking (mlockall is tried in
  this process, as the server does at start), the locked-memory limit and CAP_IPC_LOCK,
  dumpability (prctl), the core file size limit, the user, and swap. Each line starts
  with [ success ], [ warning ] or [ failure ]. Exits 1 when any check failed.
  Run it as the user and with the limits and capabilities the server gets.`,
  flags: [{ name: 'config', kind: 'string', usage: 'The server configuration file, for disable_mlock and allow_root.' }],
  usesClient: false,
  async run(ctx) {
    ctx.expectArgs(0, 0, 'operator diagnose takes flags only');
    // Loaded lazily, as `ward server` is: diagnose runs the server's own checks locally.
    const mod = await import('../../server/diagnose.js');
    const config = ctx.flags.str('config');
    const checks = mod.diagnose(config ? { config } : {});
    const status = mod.overall(checks);
    if (ctx.format === 'table') {
      const lines = checks.map((c) => `[ ${c.status} ] ${c.name}: ${c.message}${c.advice ? `\n    ${c.advice}` : ''}`);
      ctx.out(`Ward diagnose: ${status}\n${lines.join('\n')}\n`);
    } else {
      ctx.print({ json: { status, checks: checks.map((c) => ({ ...c })) }, sections: [] });
    }
    return status === 'failure' ? 1 : 0;
  },
};

export const diagnoseCommands: Record<string, Command> = { 'operator diagnose': diagnose };
