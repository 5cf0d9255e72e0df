/**
 * The `kv` secrets engine. The mount option `version` picks the flavour: "2" is the
 * versioned engine (data/, metadata/, …), anything else the plain KV v1 engine.
 */
import type { BackendFactory } from '../../sdk/logical.js';
import { kvV1Backend } from './v1.js';
import { kvV2Backend } from './v2/backend.js';

export const kvFactory: BackendFactory = async (config) =>
  config.system.options().version === '2' ? kvV2Backend() : kvV1Backend(() => config.system.defaultLeaseTtl());

export { kvV1Backend } from './v1.js';
export { kvV2Backend, type KvV2Options } from './v2/backend.js';
