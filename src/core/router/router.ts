import type { Backend, SystemView } from '../../sdk/logical.js';
import type { Storage } from '../../sdk/storage.js';
import { routePath, type MountEntry } from './mount-entry.js';

export interface Route {
  /** Routed prefix with trailing slash: `secret/`, `auth/approle/`. */
  prefix: string;
  entry: MountEntry;
  backend: Backend;
  storage: Storage;
  system: SystemView;
  /** Compiled special-path matchers of the backend. */
  unauthenticated: PathMatcher;
  root: PathMatcher;
}

/** Matches Vault special paths: exact, or a prefix when the pattern ends with `*`. */
export class PathMatcher {
  private readonly exact = new Set<string>();
  private readonly prefixes: string[] = [];
  /** Patterns with "+" (one whole path segment, as Vault's special paths), split by "/". */
  private readonly segmented: { parts: string[]; prefix: boolean }[] = [];
  constructor(patterns: readonly string[] = []) {
    for (const p of patterns) {
      const prefix = p.endsWith('*');
      const body = prefix ? p.slice(0, -1) : p;
      if (body.split('/').includes('+')) this.segmented.push({ parts: body.split('/'), prefix });
      else if (prefix) this.prefixes.push(body);
      else this.exact.add(p);
    }
  }
  matches(path: string): boolean {
    if (this.exact.has(path)) return true;
    // LIST paths carry a trailing slash the special-path tables do not.
    if (path.endsWith('/') && this.exact.has(path.slice(0, -1))) return true;
    if (this.prefixes.some((p) => path.startsWith(p))) return true;
    return this.segmented.length > 0 && this.segmented.some((s) => segmentsMatch(s.parts, s.prefix, path.split('/')));
  }
}

/** "+" stands for exactly one non-empty segment; with `prefix` the last part is a prefix. */
function segmentsMatch(parts: string[], prefix: boolean, segs: string[]): boolean {
  if (prefix ? segs.length < parts.length : segs.length !== parts.length) return false;
  return parts.every((part, i) => {
    const seg = segs[i] ?? '';
    if (part === '+') return seg !== '';
    // The rest of the path after a trailing-* part is free, as with plain prefixes.
    if (prefix && i === parts.length - 1) return seg.startsWith(part);
    return seg === part;
  });
}

/**
 * Memoised answers of match(), per request path; dropped whenever the table changes.
 * Bounded in count and in path length, so odd client paths cannot grow it much.
 */
const MATCH_MEMO_MAX = 4096;
const MATCH_MEMO_PATH_MAX = 256;

/** Longest-prefix routing over the mount table. */
export class Router {
  private readonly routes = new Map<string, Route>();
  /**
   * Request path → route. Clients repeat their paths, and one lookup of the whole path
   * is cheaper than building and hashing each of its prefixes (measured on KV writes).
   */
  private readonly matched = new Map<string, Route | null>();

  add(entry: MountEntry, backend: Backend, storage: Storage, system: SystemView): Route {
    const prefix = routePath(entry);
    const route: Route = {
      prefix,
      entry,
      backend,
      storage,
      system,
      unauthenticated: new PathMatcher(backend.specialPaths.unauthenticated),
      root: new PathMatcher(backend.specialPaths.root),
    };
    this.routes.set(prefix, route);
    this.matched.clear();
    return route;
  }

  remove(prefix: string): Route | undefined {
    const r = this.routes.get(prefix);
    this.routes.delete(prefix);
    this.matched.clear();
    return r;
  }

  get(prefix: string): Route | undefined {
    return this.routes.get(prefix);
  }

  /** The route whose prefix is the longest one that `path` starts with. O(segments). */
  match(path: string): Route | null {
    const known = this.matched.get(path);
    if (known !== undefined) return known;
    const route = this.longestPrefix(path);
    if (path.length <= MATCH_MEMO_PATH_MAX) {
      if (this.matched.size >= MATCH_MEMO_MAX) this.matched.clear();
      this.matched.set(path, route);
    }
    return route;
  }

  /**
   * Walks `a/b/c/` → `a/b/` → `a/`. Each step must shorten the candidate: a prefix of
   * just "/" (from "", "//x" or "/x") has no shorter parent, and `lastIndexOf('/', -1)`
   * finds its slash at 0 again, so the loop stops on length rather than on -1 alone.
   */
  private longestPrefix(path: string): Route | null {
    let p = path.endsWith('/') ? path : `${path}/`;
    for (;;) {
      const r = this.routes.get(p);
      if (r) return r;
      if (p.length <= 1) return null;
      const cut = p.lastIndexOf('/', p.length - 2);
      if (cut === -1) return null;
      p = p.slice(0, cut + 1);
    }
  }

  /** A mount path that would overlap `prefix` (either contains the other), if any. */
  conflict(prefix: string): string | null {
    for (const p of this.routes.keys()) {
      if (p.startsWith(prefix) || prefix.startsWith(p)) return p;
    }
    return null;
  }

  all(): Route[] {
    return [...this.routes.values()];
  }

  clear(): void {
    this.routes.clear();
    this.matched.clear();
  }
}
