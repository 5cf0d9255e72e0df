/**
 * AppRole auto-auth. The secret ID file may hold a plain secret ID or, with
 * `secret_id_response_wrapping_path`, a response-wrapping token; the token's creation
 * path is checked against that setting before unwrapping, so a token minted by some
 * other endpoint (a man in the middle re-wrapping data) is refused.
 */
import { rmSync } from 'node:fs';
import type { WardClient } from '../../api/index.js';
import type { AppRoleParams } from '../config.js';
import { readIfExists } from '../files.js';
import { fromAuth, readCredential, type AuthMethod, type AuthResult } from './method.js';

/** AppRole login from a role ID file and an optional (possibly wrapped) secret ID file. */
export class AppRoleMethod implements AuthMethod {
  readonly name = 'approle';
  /** The last secret ID read; reused while no new file appears (the file is usually deleted after reading). */
  private secretId: string | undefined;
  private lastRaw: string | undefined;

  constructor(
    private readonly mount: string,
    private readonly p: AppRoleParams,
  ) {}

  async authenticate(client: WardClient): Promise<AuthResult> {
    const roleId = readCredential(this.p.roleIdFilePath, 'role ID');
    const body: { role_id: string; secret_id?: string } = { role_id: roleId };
    if (this.p.secretIdFilePath) body.secret_id = await this.readSecretId(client, this.p.secretIdFilePath);
    const res = await client.login(this.mount, body);
    return fromAuth(res.body, `auth/${this.mount}/login`);
  }

  private async readSecretId(client: WardClient, path: string): Promise<string> {
    const raw = readIfExists(path)?.trim();
    if (raw && raw !== this.lastRaw) {
      this.secretId = this.p.secretIdResponseWrappingPath ? await this.unwrap(client, raw, this.p.secretIdResponseWrappingPath) : raw;
      this.lastRaw = raw;
      if (this.p.removeSecretIdFileAfterReading) rmSync(path, { force: true });
    }
    if (this.secretId === undefined) throw new Error(`no secret ID found at ${path}`);
    return this.secretId;
  }

  private async unwrap(client: WardClient, wrappingToken: string, expected: string): Promise<string> {
    let creationPath: unknown;
    try {
      creationPath = (await client.wrappingLookup(wrappingToken)).body?.data?.['creation_path'];
    } catch (e) {
      throw new Error(`looking up the secret ID wrapping token failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (typeof creationPath !== 'string' || creationPath.replace(/^\/+|\/+$/g, '') !== expected) {
      throw new Error(`secret ID wrapping token was created at "${String(creationPath)}", expected "${expected}"; refusing to unwrap it`);
    }
    const data = (await client.unwrap(wrappingToken)).body?.data;
    const sid = data?.['secret_id'];
    if (typeof sid !== 'string' || sid === '') throw new Error('the unwrapped response holds no secret_id');
    return sid;
  }
}
