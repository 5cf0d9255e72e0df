import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { inspectSnapshot, SnapshotFormatError } from '../../lib/snapshot-format.js';
import { CliError, type Command } from '../command.js';

const save: Command = {
  synopsis: 'Saves a snapshot of all stored data to a file',
  help: `operator snapshot save <file>

  Streams a snapshot of every entry in the server's storage, still encrypted, into the
  file (mode 0600), and checks the download is whole before keeping it. Works on every
  storage backend. The file is a gzip'd tar like Vault's raft snapshots: "tar -xzf" it
  and "sha256sum -c SHA256SUMS" checks it. It restores only with the unseal keys of
  this cluster; keep both, apart. Needs sudo on sys/storage/snapshot.

      $ ward operator snapshot save ward.snap`,
  async run(ctx) {
    ctx.expectArgs(1, 1, 'operator snapshot save takes the file to write');
    const file = ctx.args[0] as string;
    // Written beside the target and renamed into place only once complete: a failed or
    // cut-off download never leaves a file that looks like a snapshot.
    const temp = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      const body = await ctx.api('saving snapshot', ctx.client.snapshotSave());
      await ctx.api('saving snapshot', pipeline(body, createWriteStream(temp, { mode: 0o600, flags: 'wx' })));
      // A body cut short without an error (a proxy, a server killed mid-stream) still
      // ends cleanly: only the trailer's count and checksum tell, so check them here.
      try {
        await inspectSnapshot(createReadStream(temp));
      } catch (e) {
        if (e instanceof SnapshotFormatError) throw new CliError(`Error saving snapshot: the downloaded snapshot is damaged: ${e.message}`, 2);
        throw e;
      }
      await rename(temp, file);
    } catch (e) {
      await rm(temp, { force: true });
      if (e instanceof CliError) throw e;
      throw new CliError(`Error saving snapshot: ${(e as Error).message}`, 1);
    }
    return 0;
  },
};

const restore: Command = {
  synopsis: 'Restores all stored data from a snapshot file',
  help: `operator snapshot restore [options] <file>

  Replaces all of the server's stored data with the snapshot's. The server checks the
  whole file first and changes nothing if it is damaged, or if it was taken from another
  cluster (its keyring does not open with this cluster's root key) unless -force. After
  the restore the server is sealed: unseal it with the unseal keys of the cluster the
  snapshot was taken from. Needs sudo on sys/storage/snapshot (-force:
  sys/storage/snapshot-force).

      $ ward operator snapshot restore ward.snap`,
  flags: [{ name: 'force', kind: 'bool', usage: 'Restore a snapshot from another cluster (skips the keyring check).' }],
  async run(ctx) {
    ctx.expectArgs(1, 1, 'operator snapshot restore takes the snapshot file');
    const file = ctx.args[0] as string;
    try {
      await (await open(file, 'r')).close();
    } catch (e) {
      throw new CliError(`Error opening snapshot file: ${(e as Error).message}`, 1);
    }
    await ctx.api('restoring snapshot', ctx.client.snapshotRestore(createReadStream(file), ctx.flags.bool('force')));
    return ctx.success('Success! Snapshot restored. Ward is now sealed: unseal it with the unseal keys of the cluster the snapshot was taken from.');
  },
};

const inspect: Command = {
  synopsis: 'Checks a snapshot file and prints its header',
  help: `operator snapshot inspect <file>

  Reads the whole snapshot file, checks its entry count and checksum, and prints what
  its header says: when it was taken, from which cluster and storage type, and the
  keyring term. Nothing is decrypted and no server is needed. Exits 2 when the file is
  damaged or not a Ward snapshot.`,
  usesClient: false,
  async run(ctx) {
    ctx.expectArgs(1, 1, 'operator snapshot inspect takes the snapshot file');
    const file = ctx.args[0] as string;
    let size: number;
    try {
      size = (await stat(file)).size;
    } catch (e) {
      throw new CliError(`Error opening snapshot file: ${(e as Error).message}`, 1);
    }
    let found;
    try {
      found = await inspectSnapshot(createReadStream(file));
    } catch (e) {
      throw new CliError(`Error inspecting snapshot: ${(e as Error).message}`, 2);
    }
    const h = found.header;
    return ctx.print({
      json: { ...h, entries: found.trailer.entries, size, checksum: 'ok' },
      sections: [
        {
          kind: 'kv',
          rows: [
            { key: 'Format', value: h.format },
            { key: 'Created', value: h.created },
            { key: 'Cluster ID', value: h.cluster_id },
            { key: 'Cluster Name', value: h.cluster_name },
            { key: 'Storage Type', value: h.storage_type },
            { key: 'Keyring Term', value: h.keyring_term },
            { key: 'Keyring Fingerprint', value: h.keyring_fingerprint },
            { key: 'Ward Version', value: h.ward_version },
            { key: 'Entries', value: found.trailer.entries },
            { key: 'Size', value: size },
            { key: 'Checksum', value: 'ok' },
          ],
        },
      ],
    });
  },
};

/** Ward's names, and Vault's (`operator raft snapshot`), which work for every backend here. */
export const snapshotCommands: Record<string, Command> = {
  'operator snapshot save': save,
  'operator snapshot restore': restore,
  'operator snapshot inspect': inspect,
  'operator raft snapshot inspect': inspect,
  'operator raft snapshot save': save,
  'operator raft snapshot restore': restore,
};
