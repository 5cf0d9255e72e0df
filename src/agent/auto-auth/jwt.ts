/**
 * jwt auto-auth: logs in at `auth/<mount>/login` with the JWT found in a file. The file is
 * read again before each login and polled every `jwt_read_period`, because the tokens it
 * holds rotate (projected service-account tokens, CI identity tokens); a JWT that differs
 * from the last one read makes the handler log in again at once. As in Vault, the file is
 * removed after reading unless `remove_jwt_after_reading = false`; a symlink is removed
 * itself unless `remove_jwt_follows_symlinks`, which removes the file it points to.
 */
import { lstatSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import type { WardClient } from '../../api/index.js';
import type { Stanza } from '../config-read.js';
import type { Logger } from '../log.js';
import { fromAuth, type AuthMethod, type AuthResult } from './method.js';

export interface JwtParams {
  type: 'jwt';
  path: string;
  role: string;
  removeJwtAfterReading: boolean;
  removeJwtFollowsSymlinks: boolean;
  readPeriodMs: number;
}

/** `method "jwt" { config = { path role remove_jwt_after_reading remove_jwt_follows_symlinks jwt_read_period } }`. */
export function parseJwtParams(x: Stanza): JwtParams {
  x.checkKeys(['path', 'role', 'remove_jwt_after_reading', 'remove_jwt_follows_symlinks', 'jwt_read_period']);
  const remove = x.bool('remove_jwt_after_reading') ?? true;
  // Vault's defaults: a file that is removed on reading is looked for once a minute.
  const period = x.durationMs('jwt_read_period') || (remove ? 60_000 : 500);
  return { type: 'jwt', path: x.need('path'), role: x.need('role'), removeJwtAfterReading: remove, removeJwtFollowsSymlinks: x.bool('remove_jwt_follows_symlinks') ?? false, readPeriodMs: period };
}

export class JwtMethod implements AuthMethod {
  readonly name = 'jwt';
  /** The last JWT read; kept because the file is usually removed after reading. */
  private latest = '';

  constructor(
    private readonly mount: string,
    private readonly p: JwtParams,
    private readonly log?: Logger,
  ) {}

  async authenticate(client: WardClient): Promise<AuthResult> {
    this.ingest();
    if (this.latest === '') throw new Error(`no JWT read yet from ${this.p.path}: latest known jwt is empty, cannot authenticate`);
    const res = await client.login(this.mount, { role: this.p.role, jwt: this.latest });
    return fromAuth(res.body, `auth/${this.mount}/login`);
  }

  watchCredentials(onNew: () => void): () => void {
    const timer = setInterval(() => {
      const before = this.latest;
      this.ingest();
      if (this.latest !== before) onNew();
    }, this.p.readPeriodMs);
    return () => clearInterval(timer);
  }

  /** Reads the file if it is there (a regular file, or a symlink to one), then removes it if so configured. */
  private ingest(): void {
    const path = this.p.path;
    let target = path;
    try {
      const st = lstatSync(path);
      if (st.isSymbolicLink()) {
        target = realpathSync(path);
        if (!statSync(target).isFile()) throw new Error('the symlink does not point to a regular file');
      } else if (!st.isFile()) {
        throw new Error('not a regular file or symlink');
      }
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // No file (yet, or already consumed): keep the last JWT read.
      if (code !== 'ENOENT') this.log?.error(`jwt file ${path}: ${code ?? (e as Error).message}`);
      return;
    }
    let jwt: string;
    try {
      jwt = readFileSync(path, 'utf8').trim();
    } catch (e) {
      this.log?.error(`reading jwt file ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
      return;
    }
    if (jwt === '') {
      this.log?.warn(`jwt file ${path} is empty`);
      return;
    }
    this.latest = jwt;
    if (!this.p.removeJwtAfterReading) return;
    const victim = this.p.removeJwtFollowsSymlinks ? target : path;
    try {
      rmSync(victim);
    } catch (e) {
      this.log?.error(`removing jwt file ${victim}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
  }
}
