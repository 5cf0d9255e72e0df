/**
 * The one key order every store's `scan()` uses: ascending UTF-8 bytes, which is code
 * point order. SQLite (BINARY collation), etcd and PostgreSQL's `COLLATE "C"` sort this
 * way natively; JS's `<` on strings compares UTF-16 code units instead, which puts an
 * astral character (a surrogate pair, D800..DFFF) before U+E000..U+FFFF.
 */

/** Negative, zero or positive as `a` sorts before, with or after `b` in UTF-8 byte order. */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return rank(x) - rank(y);
  }
  return a.length - b.length;
}

/**
 * Lifts surrogates above U+E000..U+FFFF and shifts those down, so comparing the first
 * differing code unit gives code point order. (A well-formed pair's low half can only
 * differ from another pair's low half, where plain order is already right.)
 */
function rank(u: number): number {
  if (u >= 0xe000) return u - 0x800;
  if (u >= 0xd800) return u + 0x2000;
  return u;
}
