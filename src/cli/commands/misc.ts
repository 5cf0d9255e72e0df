import { readFileSync } from 'node:fs';
import type { Command } from '../command.js';
import { resolveToken } from '../token-helper.js';
import { secretRendering } from '../render-secret.js';

/** The package version, read from package.json next to dist/ (dist/src/cli/commands → repo root). */
export function wardVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

const unwrap: Command = {
  synopsis: 'Unwrap a wrapped secret',
  help: `unwrap [options] [TOKEN]

  Unwraps the response wrapped by TOKEN (or by the current token when none is
  given) and prints it. A wrapping token works once.`,
  async run(ctx) {
    ctx.expectArgs(0, 1, 'unwrap [options] [TOKEN]');
    const res = await ctx.api('unwrapping', ctx.client.unwrap(ctx.args[0]));
    if (!res.body) return ctx.success('Successfully unwrapped. There was no data in the wrapped secret.');
    return ctx.print(secretRendering(res.body), res.body.warnings);
  },
};

const printToken: Command = {
  synopsis: 'Prints the current token',
  help: `print token [options]

  Prints the token the CLI would use (WARD_TOKEN, VAULT_TOKEN, then ~/.vault-token).`,
  usesClient: false,
  async run(ctx) {
    ctx.expectArgs(0, 0, 'print token takes no arguments');
    const t = resolveToken(ctx.io.env, ctx.helper) ?? '';
    ctx.out(t + (ctx.io.stdout.isTTY ? '\n' : ''));
    return 0;
  },
};

const version: Command = {
  synopsis: 'Prints the Ward CLI version',
  help: `version

  Prints the version of this Ward build.`,
  usesClient: false,
  async run(ctx) {
    ctx.out(`Ward v${wardVersion()}\n`);
    return 0;
  },
};

export const miscCommands: Record<string, Command> = { unwrap, 'print token': printToken, version };
