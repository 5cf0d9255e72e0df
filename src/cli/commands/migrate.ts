import type { Command } from '../command.js';

const migrate: Command = {
  synopsis: 'Migrates Ward data between storage backends',
  help: `operator migrate [options]

  Copies every entry from one storage backend to another, offline and as stored: the
  data stays encrypted, no server runs and nothing is unsealed. The configuration file
  holds exactly one storage_source "type" { … } and one storage_destination "type" { … }
  stanza, written like a server's storage stanza:

      storage_source "sqlite" {
        path = "/var/lib/ward/ward.db"
      }
      storage_destination "postgresql" {
        connection_url = "postgres://ward@db.internal:5432/ward"
      }

  Stop every server using the source first: the migration sets a lock on the source
  (core/migration) and a server refuses to start while it is there. Keys are copied in
  sorted order; if the run stops part-way (an error, a kill), running the same command
  again continues where it stopped. At the end both stores are counted and checksummed
  and must agree. A destination that already holds data is refused unless -force.

      $ ward operator migrate -config=migrate.hcl`,
  flags: [
    { name: 'config', kind: 'string', usage: 'Path to the migration configuration file (storage_source and storage_destination).' },
    { name: 'start', kind: 'string', usage: 'Only copy keys lexicographically at or after this value (a manual resume).' },
    { name: 'reset', kind: 'bool', usage: 'Reset the migration lock on the source. No migration will occur.' },
    { name: 'force', kind: 'bool', usage: 'Copy into a destination that already holds data, overwriting the keys both hold.' },
  ],
  usesClient: false,
  async run(ctx) {
    ctx.expectArgs(0, 0, 'operator migrate takes flags only');
    const config = ctx.flags.str('config');
    if (!config) {
      ctx.warn('Must specify exactly one config path using -config');
      return 1;
    }
    // Loaded lazily: the storage engines' drivers are not needed by any other command.
    const mod = await import('../../server/migrate/run.js');
    const start = ctx.flags.has('start') ? ctx.flags.str('start') : undefined;
    // Ctrl-C stops at the next batch boundary and releases the source lock, as Vault does;
    // a second signal is left to kill the process (a rerun still resumes).
    const stop = new AbortController();
    const onSignal = (): void => {
      if (stop.signal.aborted) return;
      ctx.out('==> Migration shutdown triggered\n');
      stop.abort();
    };
    process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
    try {
      const result = await mod.runMigrate({
        config,
        ...(start !== undefined ? { start } : {}),
        reset: ctx.flags.bool('reset'),
        force: ctx.flags.bool('force'),
        log: (line) => ctx.warn(`[INFO]  ${line}`),
        signal: stop.signal,
      });
      if (result === null) return ctx.success('Success! Migration lock reset (if it was set).');
      // Vault's exact line (scripts look for it); the verified count and checksum were logged.
      return ctx.success('Success! All of the keys have been migrated.');
    } catch (e) {
      // Vault exits 0 after a requested shutdown: the operator asked for it.
      if (e instanceof mod.MigrateAborted) return 0;
      if (e instanceof mod.ConfigError) {
        ctx.warn(`Error loading configuration from ${config}: ${e.message}`);
        return 1;
      }
      ctx.warn(`Error migrating: ${e instanceof Error ? e.message : String(e)}`);
      return 2;
    } finally {
      process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    }
  },
};

export const migrateCommands: Record<string, Command> = { 'operator migrate': migrate };
