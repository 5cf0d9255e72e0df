/**
 * The `kv` secrets engine. The mount option `version` picks the flavour: "2" is the
 * versioned engine (data/, metadata/, …), anything else the plain KV v1 engine.
 * A v2 start on storage that still holds v1 data (a mount tuned from version 1 to 2)
 * migrates that data in place first; see v2/upgrade.ts.
 */
import type { BackendFactory } from '../../sdk/logical.js';
import { kvV1Backend } from './v1.js';
import { kvV2Backend } from './v2/backend.js';
import { withV1Upgrade } from './v2/upgrade.js';

export const kvFactory: BackendFactory = async (config) =>
  config.system.options().version === '2'
    ? withV1Upgrade(kvV2Backend(config.events ? { events: config.events } : {}), config.storage, { logger: config.logger, readOnly: config.system.readOnly?.() === true })
    : kvV1Backend(() => config.system.defaultLeaseTtl(), config.events);

export { kvV1Backend } from './v1.js';
export { kvV2Backend, type KvV2Options } from './v2/backend.js';
export { migrateV1ToV2, UPGRADING_MESSAGE, withV1Upgrade } from './v2/upgrade.js';
