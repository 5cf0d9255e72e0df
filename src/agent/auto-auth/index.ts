/** Auto-auth: methods and the login/renew loop. */
import type { MethodConfig } from '../config.js';
import { AppRoleMethod } from './approle.js';
import { AwsMethod } from './aws.js';
import { KubernetesMethod, TokenFileMethod, type AuthMethod } from './method.js';

export { AuthHandler } from './handler.js';
export type { AuthMethod, AuthResult } from './method.js';

/** Builds the configured method. */
export function createMethod(m: MethodConfig): AuthMethod {
  const p = m.params;
  if (p.type === 'approle') return new AppRoleMethod(m.mountPath, p);
  if (p.type === 'aws') return new AwsMethod(m.mountPath, p);
  if (p.type === 'kubernetes') return new KubernetesMethod(m.mountPath, p.role, p.tokenPath);
  return new TokenFileMethod(p.tokenFilePath);
}
