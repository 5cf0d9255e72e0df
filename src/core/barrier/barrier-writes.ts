/**
 * The barrier's writes: every put and delete is a transaction of one or more ops, sealed
 * under the active term and committed as one engine transaction (one request on etcd and
 * PostgreSQL; one commit of the write thread's batch on SQLite): all or nothing. The cache
 * takes the new values only once the engine has committed them.
 */
import { barrierTimers } from '../metrics/registry.js';
import { internalError } from '../../sdk/errors.js';
import type { StorageOp } from '../../sdk/storage.js';
import { zeroize } from '../../lib/secure.js';
import type { TxOp } from '../../storage/physical.js';
import { encrypt } from './aes-gcm.js';
import { KEYRING_PATH, type Unsealed } from './barrier-keys.js';
import type { BarrierData, Pending } from './barrier-data.js';
import { storageError } from './storage-errors.js';

/**
 * Plaintext bootstrap records written straight to the physical store (the keyring here, the
 * seal config and sealed root key by the seal). A write through the barrier would clobber
 * them with ciphertext they cannot be read back from, so the barrier refuses it.
 */
const RESERVED = new Set([KEYRING_PATH, 'core/seal-config', 'core/root-key-sealed']);

export class BarrierWrites {
  constructor(private readonly d: BarrierData) {}

  /** See AesGcmBarrier.transaction. */
  async transaction(ops: StorageOp[]): Promise<void> {
    const start = performance.now();
    const d = this.d;
    const s = d.keys.unsealed();
    for (const op of ops) checkWritable(op.key);
    if (ops.length === 0) return;
    const w = d.writer;
    const seq = ++d.pendingSeq;
    d.writeEpoch++;
    let puts = 0;
    for (const op of ops) {
      d.cache.delete(op.key);
      if (op.op === 'put') puts++;
      const p: Pending = { seq, copy: undefined };
      if (w !== null) {
        p.copy = op.op === 'put' ? op.value : null;
        if (op.op === 'put' && op.decode !== undefined) {
          p.decoder = op.decode;
          p.decoded = op.decoded;
        }
      }
      d.pending.set(op.key, p);
    }
    s.encryptions += puts;
    const engineStart = performance.now();
    try {
      if (w !== null) await w.submitAll(ops.map((op) => op.key), ops.map((op) => (op.op === 'put' ? op.value : null)));
      else await this.commitInline(s, ops);
    } catch (e) {
      this.settle(s, ops, seq, false);
      throw storageError(e, d.physical.name);
    }
    this.settle(s, ops, seq, true);
    const end = performance.now();
    const only = ops.length === 1 ? ops[0]! : null;
    (only === null ? d.timers.transaction : only.op === 'put' ? d.timers.put : d.timers.delete).observe(end - engineStart);
    // Each record written counts once in the barrier's put/delete timers, with the whole write's time.
    for (const op of ops) (op.op === 'put' ? barrierTimers.put : barrierTimers.delete).observe(end - start);
  }

  /** One engine call for `ops`, sealed under the active term. */
  private commitInline(s: Unsealed, ops: StorageOp[]): Promise<void> {
    const physical = this.d.physical;
    const { term, key: dek } = s.keyring.activeTerm();
    const sealed: TxOp[] = ops.map((op) => (op.op === 'put' ? { op: 'put', key: op.key, value: encrypt(dek, term, op.value, op.key) } : { op: 'delete', key: op.key }));
    if (sealed.length > 1) return physical.transaction(sealed);
    const only = sealed[0]!;
    return only.op === 'put' ? physical.put(only.key, only.value) : physical.delete(only.key);
  }

  /**
   * After the engine answered: committed values enter the cache (unless a later write to
   * the key is already issued, or the barrier was sealed meanwhile); on failure the keys
   * are dropped from the cache, the store's values being the old ones. Values the cache
   * does not keep are zeroed (they were handed over). The last op on a key is the one
   * that counts, as in the engine.
   */
  private settle(s: Unsealed, ops: StorageOp[], seq: number, committed: boolean): void {
    const d = this.d;
    if (!committed) d.writeEpoch++;
    const seen = ops.length > 1 ? new Set<string>() : null;
    for (let i = ops.length - 1; i >= 0; i--) {
      const op = ops[i]!;
      let kept = false;
      if (seen === null || !seen.has(op.key)) {
        seen?.add(op.key);
        const mine = d.pending.get(op.key)?.seq === seq;
        if (mine) d.pending.delete(op.key);
        if (!committed) d.cache.delete(op.key);
        else if (mine && d.keys.state === s) {
          if (op.op === 'delete') d.cache.set(op.key, null);
          else d.cache.set(op.key, op.value, op.decode === undefined ? null : { decoder: op.decode, decoded: op.decoded });
          kept = true;
        }
      }
      if (!kept && op.op === 'put') zeroize(op.value);
    }
  }
}

function checkWritable(key: string): void {
  if (RESERVED.has(key)) throw internalError(`barrier: "${key}" is reserved`);
}
