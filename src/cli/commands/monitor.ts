/**
 * `monitor`: prints the server's log lines as it writes them (sys/monitor), until
 * interrupted or the server ends the stream, as `vault monitor` does.
 */
import type { Command } from '../command.js';

const monitor: Command = {
  synopsis: 'Stream log messages from a Ward server',
  help: `monitor [options]

  Prints the server's log lines as they are written, until interrupted. Lines below
  -log-level are left out even when the server logs them; the server redacts secrets
  from every line before any monitor sees it. The token needs read on sys/monitor.

      $ ward monitor -log-level=debug`,
  flags: [
    { name: 'log-level', kind: 'string', usage: 'Lowest level shown: trace, debug, info, warn or error.', default: 'info' },
    { name: 'log-format', kind: 'string', usage: 'standard (text) or json.', default: 'standard' },
  ],
  async run(ctx) {
    ctx.expectArgs(0, 0, 'monitor takes no arguments');
    const query = { log_level: ctx.flags.str('log-level') ?? 'info', log_format: ctx.flags.str('log-format') ?? 'standard' };
    const res = await ctx.api('starting monitor', ctx.client.stream('GET', 'sys/monitor', undefined, { query }));
    await ctx.api(
      'reading monitor',
      (async () => {
        for await (const chunk of res as AsyncIterable<Buffer>) ctx.out(chunk.toString('utf8'));
      })(),
    );
    return 0;
  },
};

export const monitorCommands: Record<string, Command> = { monitor };
