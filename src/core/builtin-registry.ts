import { approleFactory } from '../auth/approle/index.js';
import { jwtAuthFactory } from '../auth/jwt/index.js';
import { kubernetesAuthFactory } from '../auth/kubernetes/index.js';
import { userpassFactory } from '../auth/userpass/index.js';
import { cubbyholeFactory } from '../secrets/cubbyhole/index.js';
import { databaseFactory } from '../secrets/database/index.js';
import { kubernetesSecretsFactory } from '../secrets/kubernetes/index.js';
import { kvFactory } from '../secrets/kv/index.js';
import { pkiFactory } from '../secrets/pki/index.js';
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
  r.register('approle', 'auth', approleFactory);
  r.register('userpass', 'auth', userpassFactory);
  r.register('kubernetes', 'auth', kubernetesAuthFactory);
  r.register('jwt', 'auth', jwtAuthFactory);
  r.register('oidc', 'auth', jwtAuthFactory);
  return r;
}
