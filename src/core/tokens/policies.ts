/** Policy-list rules shared by token creation and roles. */
import { globMatch } from '../../lib/glob.js';

/** Trimmed, lower-cased, de-duplicated and sorted; `root` swallows everything else. */
export function sanitizePolicies(list: readonly string[], addDefault: boolean): string[] {
  const set = new Set<string>();
  for (const p of list) {
    const v = p.trim().toLowerCase();
    if (v !== '') set.add(v);
  }
  if (set.has('root')) return ['root'];
  if (addDefault) set.add('default');
  return [...set].sort();
}

/** Every element of `child` appears in `parent`. */
export function isSubset(parent: readonly string[], child: readonly string[]): boolean {
  const have = new Set(parent);
  return child.every((p) => have.has(p));
}

export function matchesAnyGlob(name: string, globs: readonly string[]): boolean {
  return globs.some((g) => globMatch(g, name));
}
