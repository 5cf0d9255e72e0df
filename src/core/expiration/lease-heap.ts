/**
 * An indexed binary min-heap of (expireTime, id). One per expiration manager: it drives a
 * single timer however many leases exist. Parallel arrays keep each entry to a number, a
 * string reference and one Map slot; the full lease record stays in storage.
 */
import type { HeapObserver } from './lease-counts.js';

export class LeaseHeap {
  private readonly times: number[] = [];
  private readonly ids: string[] = [];
  private readonly pos = new Map<string, number>();

  /** `observer` hears of every id the heap gains or loses (moves are not reported). */
  constructor(private readonly observer?: HeapObserver) {}

  get size(): number {
    return this.ids.length;
  }

  /** Every scheduled id (metrics count them by mount at scrape time). */
  idList(): readonly string[] {
    return this.ids;
  }

  has(id: string): boolean {
    return this.pos.has(id);
  }

  /** The scheduled time of `id`, or undefined. */
  timeOf(id: string): number | undefined {
    const i = this.pos.get(id);
    return i === undefined ? undefined : this.times[i];
  }

  /** Inserts or moves `id` to `time`. */
  set(id: string, time: number): void {
    const i = this.pos.get(id);
    if (i === undefined) {
      this.times.push(time);
      this.ids.push(id);
      this.pos.set(id, this.ids.length - 1);
      this.up(this.ids.length - 1);
      this.observer?.added(id);
      return;
    }
    const old = this.times[i] as number;
    this.times[i] = time;
    if (time < old) this.up(i);
    else this.down(i);
  }

  delete(id: string): boolean {
    const i = this.pos.get(id);
    if (i === undefined) return false;
    const last = this.ids.length - 1;
    if (i !== last) this.swap(i, last);
    this.times.pop();
    this.ids.pop();
    this.pos.delete(id);
    if (i < this.ids.length) {
      this.up(i);
      this.down(i);
    }
    this.observer?.removed(id);
    return true;
  }

  peek(): { id: string; time: number } | undefined {
    const id = this.ids[0];
    return id === undefined ? undefined : { id, time: this.times[0] as number };
  }

  /** Every id currently scheduled (snapshot). */
  keys(): string[] {
    return [...this.ids];
  }

  private up(i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if ((this.times[p] as number) <= (this.times[i] as number)) break;
      this.swap(i, p);
      i = p;
    }
  }

  private down(i: number): void {
    const n = this.ids.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && (this.times[l] as number) < (this.times[m] as number)) m = l;
      if (r < n && (this.times[r] as number) < (this.times[m] as number)) m = r;
      if (m === i) return;
      this.swap(i, m);
      i = m;
    }
  }

  private swap(a: number, b: number): void {
    const ta = this.times[a] as number;
    const ia = this.ids[a] as string;
    this.times[a] = this.times[b] as number;
    this.ids[a] = this.ids[b] as string;
    this.times[b] = ta;
    this.ids[b] = ia;
    this.pos.set(this.ids[a] as string, a);
    this.pos.set(ia, b);
  }
}
