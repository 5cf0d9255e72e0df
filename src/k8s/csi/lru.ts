/** A size-bounded map that forgets the least recently used entry first (Map keeps insertion order). */
export class Lru<V> {
  private readonly map = new Map<string, V>();

  constructor(
    readonly capacity: number,
    private readonly onEvict?: (value: V) => void,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`cache size must be a positive integer, got ${capacity}`);
  }

  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v === undefined) return undefined;
    this.map.delete(key);
    this.map.set(key, v);
    return v;
  }

  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.capacity) {
      const [oldest, value] = this.map.entries().next().value as [string, V]; // non-empty: size > capacity >= 1
      this.map.delete(oldest);
      this.onEvict?.(value);
    }
  }

  delete(key: string): void {
    this.map.delete(key);
  }

  get size(): number {
    return this.map.size;
  }

  values(): IterableIterator<V> {
    return this.map.values();
  }
}
