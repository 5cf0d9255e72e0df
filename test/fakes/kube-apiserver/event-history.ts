/**
 * The bounded history of change events a watch resumes from, and the resourceVersion
 * below which it has been compacted away (a watch from there gets 410 Gone).
 */
import { badRequest, gone, type Json } from './status.js';
import type { StoreEvent } from './objects.js';

export class EventHistory {
  private readonly events: StoreEvent[] = [];
  /** Events with a resourceVersion above this are still held. */
  private compactedRv: number;

  constructor(startRv: number, private readonly limit: number) {
    this.compactedRv = startRv;
  }

  /** Keeps `e`, dropping the oldest events past the limit. */
  record(e: StoreEvent): void {
    this.events.push(e);
    while (this.events.length > this.limit) this.compactedRv = this.events.shift()?.rv ?? this.compactedRv;
  }

  /** Forgets every event, as etcd compaction does at resourceVersion `rv`. */
  compact(rv: number): void {
    this.events.length = 0;
    this.compactedRv = rv;
  }

  /** Events after resourceVersion `from`, or the 410 Status when they were compacted away. */
  since(from: string): StoreEvent[] | Json {
    const n = Number(from);
    if (!Number.isInteger(n) || n < 0) throw badRequest(`invalid resource version: ${from}`);
    if (n < this.compactedRv) return gone(from, this.compactedRv + 1);
    return this.events.filter((e) => e.rv > n).map((e) => ({ ...e, object: structuredClone(e.object) }));
  }
}
