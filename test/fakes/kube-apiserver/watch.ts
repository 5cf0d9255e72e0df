/**
 * `?watch=true`: a stream of newline-delimited `{"type","object"}` events for one resource
 * type (one namespace or all), filtered by label and field selectors. Without a
 * resourceVersion (or with "0") it starts with ADDED for what exists; with one it replays
 * the changes after it from the store's history, or sends an ERROR event carrying a 410
 * `Expired` Status and ends when that was compacted, as the real server does. An object
 * that starts or stops matching a selector is ADDED / DELETED for that watcher. BOOKMARKs
 * (only metadata.resourceVersion) when asked; the stream ends after timeoutSeconds.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { groupVersion, resourceKey, type ResourceType } from './registry.js';
import type { Matcher } from './selectors.js';
import type { KObj, Store, StoreEvent } from './store.js';

export interface WatchOptions {
  resourceVersion: string | null;
  labels: Matcher<Record<string, string> | undefined>;
  fields: Matcher<Record<string, unknown>>;
  timeoutSeconds: number | null;
  bookmarks: boolean;
  bookmarkIntervalMs: number;
  /** Shapes an object for the wire (apiVersion of the requested version). */
  present: (o: KObj) => KObj;
  /** Open streams' enders, so the server can end them all as its request timeout would. */
  active: Set<() => void>;
}

export function serveWatch(req: IncomingMessage, res: ServerResponse, store: Store, t: ResourceType, ns: string | undefined, o: WatchOptions): void {
  const mine = resourceKey(t);
  const inScope = (obj: KObj | undefined): obj is KObj => obj !== undefined && (ns === undefined || obj.metadata.namespace === ns);
  const matches = (obj: KObj | undefined): boolean => inScope(obj) && o.labels(obj.metadata.labels) && o.fields(obj as Record<string, unknown>);
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();
  const write = (type: string, object: unknown): void => {
    if (!res.writableEnded) res.write(`${JSON.stringify({ type, object })}\n`);
  };
  const deliver = (e: StoreEvent): void => {
    if (resourceKey(e.t) !== mine) return;
    const now = matches(e.object);
    const before = e.type === 'MODIFIED' ? matches(e.prev) : e.type !== 'ADDED' && now;
    if (e.type === 'ADDED' && now) write('ADDED', o.present(e.object));
    else if (e.type === 'DELETED' && now) write('DELETED', o.present(e.object));
    else if (e.type === 'MODIFIED') {
      if (now && before) write('MODIFIED', o.present(e.object));
      else if (now) write('ADDED', o.present(e.object));
      else if (before) write('DELETED', o.present(e.object));
    }
  };

  const timers: NodeJS.Timeout[] = [];
  const finish = (): void => {
    o.active.delete(finish);
    store.listeners.delete(deliver);
    for (const h of timers) clearTimeout(h);
    if (!res.writableEnded) res.end();
  };
  req.on('close', finish);
  res.on('close', finish);

  const rv = o.resourceVersion;
  if (rv === null || rv === '' || rv === '0') {
    for (const obj of store.list(t, ns)) if (matches(obj)) write('ADDED', o.present(obj));
  } else {
    const backlog = store.since(rv);
    if (!Array.isArray(backlog)) {
      write('ERROR', backlog);
      return finish();
    }
    for (const e of backlog) deliver(e);
  }
  store.listeners.add(deliver);
  o.active.add(finish);
  if (o.bookmarks) {
    const tick = (): void => {
      write('BOOKMARK', { kind: t.kind, apiVersion: groupVersion(t), metadata: { resourceVersion: store.resourceVersion } });
      timers[0] = setTimeout(tick, o.bookmarkIntervalMs);
    };
    timers[0] = setTimeout(tick, o.bookmarkIntervalMs);
  }
  if (o.timeoutSeconds !== null) timers.push(setTimeout(finish, o.timeoutSeconds * 1000));
}
