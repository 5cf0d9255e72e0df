/**
 * The aws auth method. iam type: a workload proves its IAM identity with a signed
 * sts:GetCallerIdentity request that Ward replays to STS. ec2 type: an instance presents
 * its AWS-signed identity document (README: no EC2 or IAM API calls). Paths:
 * `config/client`, `config/identity`, `config/certificate/<name>`, LIST
 * `config/certificates`, `role/<name>`, LIST `role`/`roles`, `identity-accesslist/<id>`,
 * and the unauthenticated `login`.
 */
import { defineBackend } from '../../sdk/framework/backend.js';
import type { BackendFactory } from '../../sdk/logical.js';
import { accessListListPath, accessListPath, accessListTidyPath } from './access-list.js';
import { certificateListPath, certificatePath } from './path-certificate.js';
import { clientConfigPath, identityConfigPath } from './path-config.js';
import { loginPath, renewAuth } from './path-login.js';
import { roleListPaths, rolePath } from './path-role.js';

export interface AwsAuthOptions {
  /** Bound on each STS call, in milliseconds (default 10 s). */
  timeoutMs?: number;
  /** The STS endpoint of a region (use_sts_region_from_client); tests point it at a mock. */
  stsEndpointForRegion?: (region: string) => string;
}

export const regionalStsEndpoint = (region: string): string => `https://sts.${region}.amazonaws.com`;

export function createAwsAuthFactory(o: AwsAuthOptions = {}): BackendFactory {
  return async (config) =>
    defineBackend({
      type: 'aws',
      kind: 'auth',
      specialPaths: { unauthenticated: ['login'] },
      paths: [
        clientConfigPath,
        identityConfigPath,
        ...roleListPaths,
        rolePath,
        certificatePath,
        certificateListPath,
        accessListPath,
        accessListListPath,
        accessListTidyPath(config.logger, () => Date.now()),
        loginPath({
          timeoutMs: o.timeoutMs ?? 10_000,
          stsEndpointForRegion: o.stsEndpointForRegion ?? regionalStsEndpoint,
          logger: config.logger,
          maxLeaseTtl: () => config.system.maxLeaseTtl(),
        }),
      ],
      renewAuth,
      help: 'The aws auth method verifies IAM principals through a signed sts:GetCallerIdentity request, and EC2 instances through their signed identity document.',
    });
}

export const awsAuthFactory: BackendFactory = createAwsAuthFactory();
