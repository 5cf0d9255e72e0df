import { cubbyholeFactory } from '../secrets/cubbyhole/index.js';
import { kvFactory } from '../secrets/kv/index.js';
import { BackendRegistry } from './router/registry.js';

/** The backends Ward ships; auth methods and more engines register here as they land. */
export function builtinRegistry(): BackendRegistry {
  const r = new BackendRegistry();
  r.register('kv', 'secret', kvFactory);
  r.register('cubbyhole', 'secret', cubbyholeFactory);
  return r;
}
