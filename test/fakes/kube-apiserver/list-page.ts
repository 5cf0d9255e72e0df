/**
 * One page of a list: the objects `keep` accepts whose `namespace/name` key sorts after
 * `after`, ordered by that key (byte order, as etcd's keys), at most `limit` (0: all), and
 * how many more there are. Only the page is copied, so paging through 10,000 objects costs
 * each page its own objects and not a copy of all of them.
 */
import type { KObj } from './store.js';

export function pageOf(objects: Iterable<KObj>, ns: string | undefined, keep: (o: KObj) => boolean, after: string, limit: number): { items: KObj[]; remaining: number } {
  const all: Array<[string, KObj]> = [];
  for (const o of objects) {
    if (ns !== undefined && o.metadata.namespace !== ns) continue;
    const k = `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
    if (k > after && keep(o)) all.push([k, o]);
  }
  all.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const shown = limit > 0 ? all.slice(0, limit) : all;
  return { items: shown.map(([, o]) => structuredClone(o)), remaining: all.length - shown.length };
}
