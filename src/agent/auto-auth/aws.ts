/**
 * aws (iam): signs a fresh sts:GetCallerIdentity at each login, so the signature is always
 * inside STS's 15-minute window. Static keys from the config, else the AWS_* environment
 * read at login time (rotated credentials are picked up). The secret key never leaves here.
 */
import type { WardClient } from '../../api/index.js';
import { iamLoginData } from '../../lib/aws-iam-login.js';
import type { AwsParams } from '../config.js';
import { fromAuth, type AuthMethod, type AuthResult } from './method.js';

export class AwsMethod implements AuthMethod {
  readonly name = 'aws';
  constructor(
    private readonly mount: string,
    private readonly p: AwsParams,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  async authenticate(client: WardClient): Promise<AuthResult> {
    const accessKeyId = this.p.accessKey ?? this.env['AWS_ACCESS_KEY_ID'];
    const secretAccessKey = this.p.secretKey ?? this.env['AWS_SECRET_ACCESS_KEY'];
    const sessionToken = this.p.sessionToken ?? this.env['AWS_SESSION_TOKEN'];
    if (!accessKeyId || !secretAccessKey) throw new Error('aws: no credentials (config access_key/secret_key or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)');
    const data = iamLoginData({
      credentials: { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) },
      region: this.p.region,
      ...(this.p.headerValue ? { serverIdHeaderValue: this.p.headerValue } : {}),
    });
    const res = await client.login(this.mount, { ...data, ...(this.p.role ? { role: this.p.role } : {}) });
    return fromAuth(res.body, `auth/${this.mount}/login`);
  }
}
