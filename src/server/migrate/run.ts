/**
 * The process side of `ward operator migrate`: reads the config, opens both stores with
 * the server's own opener, runs the migration (or the lock reset) and always closes them.
 */
import { existsSync } from 'node:fs';
import type { PhysicalBackend } from '../../storage/physical.js';
import { openStorage } from '../open-storage.js';
import { readMigrateConfig } from './config.js';
import { migrate, MigrateError, resetMigrationLock, type MigrateResult } from './migrate.js';

export { ConfigError } from '../config.js';
export { MigrateAborted, MigrateError } from './migrate.js';

export interface RunMigrateOptions {
  config: string;
  start?: string;
  reset: boolean;
  force: boolean;
  log: (line: string) => void;
  signal?: AbortSignal;
}

/** Resolves with the migration's result, or null after `reset`. Config errors throw ConfigError. */
export async function runMigrate(o: RunMigrateOptions): Promise<MigrateResult | null> {
  const config = readMigrateConfig(o.config);
  const source = await open(config.source, 'storage_source');
  try {
    if (o.reset) {
      await resetMigrationLock(source);
      return null;
    }
    const dest = await open(config.destination, 'storage_destination');
    try {
      return await migrate(source, dest, {
        ...(o.start !== undefined ? { start: o.start } : {}),
        ...(o.signal !== undefined ? { signal: o.signal } : {}),
        force: o.force,
        log: o.log,
      });
    } finally {
      await dest.close();
    }
  } finally {
    await source.close();
  }
}

async function open(c: Parameters<typeof openStorage>[0], stanza: string): Promise<PhysicalBackend> {
  // Opening a SQLite path creates the file: a mistyped source would "migrate" nothing.
  if (stanza === 'storage_source' && c.type === 'sqlite' && !existsSync(c.path)) {
    throw new MigrateError(`error mounting '${stanza}': no SQLite database at ${c.path}`);
  }
  try {
    return await openStorage(c);
  } catch (e) {
    // Vault's wording ("error mounting 'storage_source'"); openers redact credentials.
    throw new MigrateError(`error mounting '${stanza}': ${e instanceof Error ? e.message : String(e)}`);
  }
}
