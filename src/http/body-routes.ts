/**
 * Which requests' bodies the handler leaves unread: snapshot uploads stream to their
 * handler, and a snapshot request runs without the request deadline.
 */
import { SNAPSHOT_PATHS } from '../core/sys/paths-snapshot.js';

/** Paths whose POST/PUT body goes to the handler unread (sys/storage/snapshot restores). */
export const STREAMED_BODY_PATHS = new Set(SNAPSHOT_PATHS.map((p) => `sys/${p}`));

/** A request for a snapshot path, from the raw URL (before parsing: the deadline starts first). */
export function isSnapshotUrl(url: string | undefined): boolean {
  if (url === undefined || !url.startsWith('/v1/sys/storage/')) return false;
  const q = url.indexOf('?');
  return STREAMED_BODY_PATHS.has(url.slice(4, q === -1 ? undefined : q));
}
