/**
 * aws auto-auth, as Vault Agent does it.
 * - iam: signs a fresh sts:GetCallerIdentity at each login, so the signature is always
 *   inside STS's 15-minute window. Static keys from the config, else the AWS_* environment
 *   read at login time (rotated credentials are picked up). The secret key never leaves here.
 * - ec2: the instance identity document and its signature from IMDS (ec2-imds.ts), with a
 *   reauthentication nonce: the configured one, else one generated at the first login and
 *   kept in memory for the next ones (the server's access list binds the instance to it).
 */
import { randomUUID } from 'node:crypto';
import type { WardClient } from '../../api/index.js';
import { iamLoginData, type IamLoginData } from '../../lib/aws-iam-login.js';
import type { AwsParams } from '../config.js';
import { instanceIdentity } from './ec2-imds.js';
import { fromAuth, type AuthMethod, type AuthResult } from './method.js';

export class AwsMethod implements AuthMethod {
  readonly name = 'aws';
  private nonce: string | undefined;
  constructor(
    private readonly mount: string,
    private readonly p: AwsParams,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.nonce = p.nonce;
  }

  async authenticate(client: WardClient): Promise<AuthResult> {
    const data = this.p.authType === 'ec2' ? await this.ec2Data() : this.iamData();
    const res = await client.login(this.mount, { ...data, ...(this.p.role ? { role: this.p.role } : {}) });
    return fromAuth(res.body, `auth/${this.mount}/login`);
  }

  private async ec2Data(): Promise<{ identity: string; signature: string; nonce: string }> {
    const { document, signature } = await instanceIdentity(this.env);
    this.nonce ??= randomUUID();
    return { identity: Buffer.from(document).toString('base64'), signature, nonce: this.nonce };
  }

  private iamData(): IamLoginData {
    const accessKeyId = this.p.accessKey ?? this.env['AWS_ACCESS_KEY_ID'];
    const secretAccessKey = this.p.secretKey ?? this.env['AWS_SECRET_ACCESS_KEY'];
    const sessionToken = this.p.sessionToken ?? this.env['AWS_SESSION_TOKEN'];
    if (!accessKeyId || !secretAccessKey) throw new Error('aws: no credentials (config access_key/secret_key or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)');
    return iamLoginData({
      credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) },
      region: this.p.region,
      ...(this.p.headerValue ? { serverIdHeaderValue: this.p.headerValue } : {}),
    });
  }
}
