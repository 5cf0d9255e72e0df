/** Auto-auth: methods and the login/renew loop. */
import type { ClientOptions } from '../../api/index.js';
import type { MethodConfig } from '../config.js';
import type { Logger } from '../log.js';
import { AppRoleMethod } from './approle.js';
import { AwsMethod } from './aws.js';
import { AzureMethod } from './azure.js';
import { CertMethod } from './cert.js';
import { GcpMethod } from './gcp.js';
import { JwtMethod } from './jwt.js';
import { KubernetesMethod, TokenFileMethod, type AuthMethod } from './method.js';

export { AuthHandler } from './handler.js';
export type { AuthMethod, AuthResult } from './method.js';

/** What some methods need besides their config: the agent's client settings (cert), its environment and log. */
export interface MethodContext {
  clientOptions?: ClientOptions;
  env?: NodeJS.ProcessEnv;
  log?: Logger;
}

/** Builds the configured method. */
export function createMethod(m: MethodConfig, ctx: MethodContext = {}): AuthMethod {
  const p = m.params;
  if (p.type === 'jwt') return new JwtMethod(m.mountPath, p, ctx.log);
  if (p.type === 'cert') return new CertMethod(m.mountPath, p, ctx.clientOptions);
  if (p.type === 'azure') return new AzureMethod(m.mountPath, p, ctx.env);
  if (p.type === 'gcp') return new GcpMethod(m.mountPath, p, ctx.env);
  if (p.type === 'approle') return new AppRoleMethod(m.mountPath, p);
  if (p.type === 'aws') return new AwsMethod(m.mountPath, p, ctx.env);
  if (p.type === 'kubernetes') return new KubernetesMethod(m.mountPath, p.role, p.tokenPath);
  return new TokenFileMethod(p.tokenFilePath);
}
