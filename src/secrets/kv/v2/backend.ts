/**
 * The versioned K/V secrets engine (KV v2): the path table and its shared context.
 * Anything outside the sub-APIs answers 404 with a warning pointing at `vault kv`.
 */
import { defineBackend } from '../../../sdk/framework/backend.js';
import { definePath, type PathDef } from '../../../sdk/framework/path.js';
import type { Fields } from '../../../sdk/framework/fields.js';
import type { Backend, LogicalResponse } from '../../../sdk/logical.js';
import { noEvents, type EventSender } from '../../../sdk/events.js';
import { systemClock, type Clock } from '../../../lib/clock.js';
import { KeyedMutex } from '../../../lib/keyed-mutex.js';
import { INVALID_PATH_WARNING, type KvContext } from './context.js';
import { configPath } from './path-config.js';
import { dataPath } from './path-data.js';
import { versionOpsPaths } from './path-delete.js';
import { metadataPath } from './path-metadata.js';
import { subkeysPath } from './path-subkeys.js';

export interface KvV2Options {
  /** Time source for created/deletion times; tests inject a fake. */
  clock?: Clock;
  /** Where change events go (the mount's sender from the core). */
  events?: EventSender;
}

const invalidPath = async (): Promise<LogicalResponse> => ({ status: 404, warnings: [INVALID_PATH_WARNING] });

const catchAll = definePath({
  pattern: '.*',
  fields: {},
  operations: { read: invalidPath, update: invalidPath, delete: invalidPath, list: invalidPath, patch: invalidPath },
});

export function kvV2Backend(opts: KvV2Options = {}): Backend {
  const ctx: KvContext = { clock: opts.clock ?? systemClock, locks: new KeyedMutex(), events: opts.events ?? noEvents };
  const paths: PathDef<Fields>[] = [
    configPath(ctx),
    dataPath(ctx),
    metadataPath(ctx),
    ...versionOpsPaths(ctx),
    subkeysPath(ctx),
    catchAll,
  ];
  return defineBackend({
    type: 'kv',
    kind: 'secret',
    paths,
    help: 'The versioned key/value secrets engine: use data/, metadata/, delete/, undelete/, destroy/, subkeys/ and config.',
  });
}
