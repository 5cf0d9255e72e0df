/**
 * How a storage key maps onto Vault's PostgreSQL table layout, so a table Ward writes is
 * the table Vault's docs describe (and Vault could read it): `a/b/c` is stored as
 * parent_path `/a/`, path `/a/b/`, key `c`; a top-level key has path `/` and parent `''`.
 */

export interface SplitKey {
  parentPath: string;
  path: string;
  key: string;
}

export function splitKey(full: string): SplitKey {
  const slash = full.lastIndexOf('/');
  if (slash === -1) return { parentPath: '', path: '/', key: full };
  const dir = full.slice(0, slash);
  const parentSlash = dir.lastIndexOf('/');
  return {
    parentPath: parentSlash === -1 ? '/' : `/${dir.slice(0, parentSlash)}/`,
    path: `/${dir}/`,
    key: full.slice(slash + 1),
  };
}

/**
 * The smallest string greater than every string starting with `s`, in code-point order
 * (PostgreSQL's "C" collation on UTF-8 compares bytes, which is code-point order); null
 * when there is none. Gives list queries an upper bound an index range scan can use.
 */
export function successor(s: string): string | null {
  const chars = Array.from(s);
  while (chars.length > 0) {
    const cp = (chars.pop() as string).codePointAt(0) as number;
    if (cp === 0x10ffff) continue;
    // Surrogates cannot appear in PostgreSQL text: U+D7FF is followed by U+E000.
    return chars.join('') + String.fromCodePoint(cp + 1 === 0xd800 ? 0xe000 : cp + 1);
  }
  return null;
}

/**
 * The ranges `list(prefix)` reads: folders are rows whose path starts with `full` (skip
 * scan over [full, fullEnd)); leaves are rows at path `dir` whose key starts with `part`.
 * A prefix need not end in "/" (`list("a")` lists what follows "a"), hence `part`.
 */
export interface ListBounds {
  full: string;
  fullEnd: string;
  dir: string;
  part: string;
  partEnd: string | null;
}

export function listBounds(prefix: string): ListBounds {
  const full = `/${prefix}`;
  const cut = full.lastIndexOf('/') + 1;
  const part = full.slice(cut);
  return {
    full,
    // full starts with "/", so a successor always exists ("0" at worst).
    fullEnd: successor(full) as string,
    dir: full.slice(0, cut),
    part,
    partEnd: part === '' ? null : successor(part),
  };
}

/** Code-unit order (JS default sort): every store sorts list output the same way. */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
