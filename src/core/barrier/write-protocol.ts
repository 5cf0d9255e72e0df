/** Messages between the barrier and its write thread (write-behind.ts, write-worker.ts). */

import type { WriterOpener } from '../../storage/physical.js';

export interface WriterInit {
  opener: WriterOpener;
}

export type ToWorker =
  /** The active key term; the ArrayBuffer is transferred and zeroed by the worker. */
  | { type: 'key'; term: number; key: ArrayBuffer }
  /**
   * Ops in issue order. `lengths[i]` is the byte length of op i's plaintext within
   * `data` (values packed back to back), or -1 for a delete.
   */
  | { type: 'batch'; id: number; keys: string[]; lengths: number[]; data: ArrayBuffer }
  | { type: 'close' };

export type FromWorker = { type: 'ack'; id: number; error: string | null } | { type: 'closed'; error?: string };
