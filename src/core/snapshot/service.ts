/**
 * `sys/storage/snapshot`: save and restore every physical entry, still encrypted.
 *
 * Save streams the store's `scan()` (one point in time) through the snapshot encoder:
 * the store is never in memory at once, and nothing is decrypted.
 *
 * Restore spools and verifies the upload first (format, count, sums), then checks the
 * sealed tag over its sums with this cluster's root key, which refuses another
 * cluster's snapshot and a tampered one (Vault's raft restore makes the same check;
 * `force` skips it, as `snapshot-force` does). Nothing has changed up to here, and any
 * failure is a 400. Then the node seals and, once its in-flight
 * writes have settled, the data is replaced. The node stays sealed: whatever the
 * snapshot holds (another cluster's keyring and seal configuration, when forced) takes
 * effect at the next unseal, with the keys of the cluster the snapshot came from. That
 * is also why Ward seals even after a same-cluster restore: every cache and subsystem is
 * rebuilt from the restored data, with no path that could serve a stale one.
 */
import { timingSafeEqual } from 'node:crypto';
import { badRequest } from '../../sdk/errors.js';
import type { Logger } from '../../sdk/logical.js';
import { getJSON, type Storage } from '../../sdk/storage.js';
import type { PhysicalBackend } from '../../storage/physical.js';
import { WARD_VERSION } from '../api-types.js';
import { replaceAll } from './apply.js';
import { encodeSnapshot, FORMAT_VERSION, SnapshotFormatError, type Entry, type Trailer } from '../../lib/snapshot-format.js';
import { spoolSnapshot } from './spool.js';

const RESTORING = 'a snapshot restore is already in progress';

/** Never in a snapshot: node-local bookkeeping (the HA lock, a migration's records). */
const NOT_SAVED: ReadonlySet<string> = new Set(['core/lock', 'core/migration', 'core/migration-progress']);

export interface SnapshotDeps {
  physical: PhysicalBackend;
  barrier: Storage & {
    snapshotSealer(): (sums: Buffer) => Buffer;
    rootKeyFingerprint(): string;
    keyStatus(): { term: number };
  };
  /** Seals after the current request, runs `apply` once sealed, then answers it. */
  restoreSoon(apply: () => Promise<void>): void;
  logger: Logger;
}

export class SnapshotService {
  /** True from a restore's acceptance until it has been applied (or failed). */
  private restoring = false;

  constructor(private readonly deps: SnapshotDeps) {}

  /** The snapshot's bytes. The header is taken now; entries as of the first read. */
  async save(): Promise<AsyncIterable<Buffer>> {
    const { barrier, physical } = this.deps;
    const cluster = (await getJSON<{ id: string; name: string }>(barrier, 'core/cluster')) ?? { id: '', name: '' };
    const header = {
      format: FORMAT_VERSION,
      ward_version: WARD_VERSION,
      created: new Date().toISOString(),
      storage_type: physical.name,
      cluster_id: cluster.id,
      cluster_name: cluster.name,
      keyring_term: barrier.keyStatus().term,
      keyring_fingerprint: barrier.rootKeyFingerprint(),
    };
    return encodeSnapshot(header, withoutBookkeeping(physical.scan()), barrier.snapshotSealer());
  }

  async restore(body: AsyncIterable<Buffer> | undefined, force: boolean): Promise<void> {
    if (body === undefined) throw badRequest('the snapshot must be sent as the request body');
    // Checked again once the upload is verified: two uploads can be spooling at once.
    if (this.restoring) throw badRequest(RESTORING);
    let spooled;
    try {
      spooled = await spoolSnapshot(body);
    } catch (e) {
      if (e instanceof SnapshotFormatError) throw badRequest(`invalid snapshot: ${e.message}`);
      throw e;
    }
    try {
      if (!force) this.checkSealed(spooled.trailer);
      if (this.restoring) throw badRequest(RESTORING);
    } catch (e) {
      await spooled.discard();
      throw e;
    }
    const { logger, physical } = this.deps;
    const { header } = spooled;
    const count = spooled.trailer.entries;
    // Only one restore is accepted until it has been applied: a second one answered 204
    // now would never be applied (the first seals the node).
    this.restoring = true;
    this.deps.restoreSoon(async () => {
      try {
        const r = await replaceAll(physical, () => spooled.entries());
        logger.info('storage: snapshot restored; the node is sealed until unsealed with the snapshot\'s keys', {
          cluster_id: header.cluster_id,
          created: header.created,
          entries: count,
          deleted: r.deleted,
          forced: force,
        });
      } finally {
        this.restoring = false;
        await spooled.discard();
      }
    });
  }

  /** Vault's check and words: the snapshot's sealed sums must open with this cluster's key. */
  private checkSealed(trailer: Trailer): void {
    const expected = this.deps.barrier.snapshotSealer()(trailer.sums);
    if (expected.length !== trailer.sealed.length || !timingSafeEqual(expected, trailer.sealed)) {
      throw badRequest('could not verify hash file, possibly the snapshot is using a different set of unseal keys; use the snapshot-force API to bypass this check');
    }
  }
}

async function* withoutBookkeeping(batches: AsyncIterable<Entry[]>): AsyncGenerator<Entry[]> {
  for await (const batch of batches) yield batch.filter((e) => !NOT_SAVED.has(e.key));
}
