/**
 * The condition every write of an active node carries once it has held the HA lock: the
 * lock key still has the create revision and lease this node's acquire gave it. etcd checks
 * it inside the same transaction as the write, so a node that lost the lock (lease expired
 * while it was paused, key deleted by an operator, another node holding it now) writes nothing.
 */
import type { ICompare } from 'etcd3';

export class Fence {
  /** Set when the holding ended (released or lost): writes are refused without asking etcd. */
  ended = false;

  constructor(
    readonly key: Buffer,
    readonly createRevision: string,
    readonly lease: string,
  ) {}

  compares(): ICompare[] {
    return [
      { key: this.key, target: 'Create', result: 'Equal', create_revision: this.createRevision },
      { key: this.key, target: 'Lease', result: 'Equal', lease: this.lease },
    ];
  }
}

/** The one fence a store's writes go through; the lock swaps it on each acquire. */
export interface FenceSlot {
  fence: Fence | null;
}
