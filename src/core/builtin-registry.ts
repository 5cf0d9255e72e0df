import { approleFactory } from '../auth/approle/index.js';
import { certAuthFactory } from '../auth/cert/index.js';
import { jwtAuthFactory } from '../auth/jwt/index.js';
import { kubernetesAuthFactory } from '../auth/kubernetes/index.js';
import { userpassFactory } from '../auth/userpass/index.js';
// Cloud platform auth methods (issue 19).
import { awsAuthFactory } from '../auth/aws/index.js';
import { azureAuthFactory } from '../auth/azure/index.js';
import { gcpAuthFactory } from '../auth/gcp/index.js';
import { cubbyholeFactory } from '../secrets/cubbyhole/index.js';
import { databaseFactory } from '../secrets/database/index.js';
import { kubernetesSecretsFactory } from '../secrets/kubernetes/index.js';
import { kvFactory } from '../secrets/kv/index.js';
import { pkiFactory } from '../secrets/pki/index.js';
import { sshFactory } from '../secrets/ssh/index.js';
import { totpFactory } from '../secrets/totp/index.js';
import { transitFactory } from '../secrets/transit/index.js';
import { BackendRegistry } from './router/registry.js';

/** The backends Ward ships; auth methods and more engines register here as they land. */
export function builtinRegistry(): BackendRegistry {
  const r = new BackendRegistry();
  r.register('kv', 'secret', kvFactory);
  r.register('cubbyhole', 'secret', cubbyholeFactory);
  r.register('database', 'secret', databaseFactory);
  r.register('transit', 'secret', transitFactory);
  r.register('pki', 'secret', pkiFactory);
  r.register('kubernetes', 'secret', kubernetesSecretsFactory);
  r.register('ssh', 'secret', sshFactory);
  r.register('totp', 'secret', totpFactory);
  r.register('aws', 'auth', awsAuthFactory);
  r.register('gcp', 'auth', gcpAuthFactory);
  r.register('azure', 'auth', azureAuthFactory);
  r.register('approle', 'auth', approleFactory);
  r.register('userpass', 'auth', userpassFactory);
  r.register('kubernetes', 'auth', kubernetesAuthFactory);
  r.register('cert', 'auth', certAuthFactory);
  r.register('jwt', 'auth', jwtAuthFactory);
  r.register('oidc', 'auth', jwtAuthFactory);
  return r;
}
