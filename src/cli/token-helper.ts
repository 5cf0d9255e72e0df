import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * The default token helper: the login token lives in `~/.vault-token` (mode 0600), so
 * tools that already read that file keep working. `HOME` from the given environment wins
 * over the OS home directory, which lets tests point it at a scratch folder.
 */
export class TokenHelper {
  readonly path: string;

  constructor(env: NodeJS.ProcessEnv = process.env) {
    this.path = join(env['HOME'] || homedir(), '.vault-token');
  }

  /** The stored token, trimmed; undefined when there is none. */
  get(): string | undefined {
    try {
      const t = readFileSync(this.path, 'utf8').trim();
      return t === '' ? undefined : t;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  /** Stores the token, creating or tightening the file to mode 0600. */
  store(token: string): void {
    writeFileSync(this.path, token, { mode: 0o600 });
    chmodSync(this.path, 0o600);
  }

  erase(): void {
    rmSync(this.path, { force: true });
  }
}

/**
 * The token the CLI sends: `WARD_TOKEN`, then `VAULT_TOKEN`, then the token helper.
 * Environment variables win, as with vault.
 */
export function resolveToken(env: NodeJS.ProcessEnv, helper: TokenHelper): string | undefined {
  return env['WARD_TOKEN'] || env['VAULT_TOKEN'] || helper.get();
}
