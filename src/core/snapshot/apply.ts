/**
 * Replaces a store's contents with a verified snapshot's: every snapshot entry is put,
 * then every stored key the snapshot lacks is deleted, found by walking the store's scan
 * and the snapshot side by side (both in UTF-8 key order), so neither is held in memory.
 * Runs while the node is sealed, so nothing else writes meanwhile. It is not atomic
 * across engines: a crash part-way leaves a mix, and the restore must be repeated.
 */
import { compareUtf8 } from '../../lib/key-order.js';
import type { PhysicalBackend, TxOp } from '../../storage/physical.js';
import type { Entry } from '../../lib/snapshot-format.js';

/** Keys a restore leaves alone: the HA lock belongs to the running nodes, not the data. */
export const NOT_RESTORED: ReadonlySet<string> = new Set(['core/lock']);
/** Operations per transaction (etcd refuses transactions over 128). */
const TX_OPS = 64;
/** Transactions issued together: SQLite group-commits them, networked stores overlap them. */
const IN_FLIGHT = 8;

export async function replaceAll(physical: PhysicalBackend, entries: () => AsyncIterable<Entry>): Promise<{ put: number; deleted: number }> {
  let put = 0;
  let ops: TxOp[] = [];
  const flush = async (): Promise<void> => {
    const txs: Array<Promise<void>> = [];
    for (let i = 0; i < ops.length; i += TX_OPS) txs.push(physical.transaction(ops.slice(i, i + TX_OPS)));
    ops = [];
    const failed = (await Promise.allSettled(txs)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  };
  for await (const { key, value } of entries()) {
    if (NOT_RESTORED.has(key)) continue;
    ops.push({ op: 'put', key, value });
    put++;
    if (ops.length >= TX_OPS * IN_FLIGHT) await flush();
  }
  await flush();

  let deleted = 0;
  const wanted = entries()[Symbol.asyncIterator]();
  let next = await wanted.next();
  for await (const batch of physical.scan()) {
    for (const { key } of batch) {
      while (!next.done && compareUtf8(next.value.key, key) < 0) next = await wanted.next();
      if ((!next.done && next.value.key === key) || NOT_RESTORED.has(key)) continue;
      ops.push({ op: 'delete', key });
      deleted++;
      if (ops.length >= TX_OPS * IN_FLIGHT) await flush();
    }
  }
  await flush();
  await wanted.return?.();
  return { put, deleted };
}
