/**
 * Vault's glob (ryanuber/go-glob): `*` matches any run of characters, everything else is
 * literal, and the match is case-sensitive. Matched by finding the literal pieces in
 * order, which is linear in the input: globs compiled to `^a.*a.*…$` backtracked
 * exponentially on long names, and a megabyte glob made RegExp throw "too large".
 */
export function globMatch(glob: string, value: string): boolean {
  if (glob === '*') return true;
  const parts = glob.split('*');
  const first = parts[0] ?? '';
  if (parts.length === 1) return value === first;
  const last = parts[parts.length - 1] ?? '';
  if (value.length < first.length + last.length || !value.startsWith(first) || !value.endsWith(last)) return false;
  let at = first.length;
  const end = value.length - last.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const part = parts[i] ?? '';
    const found = value.indexOf(part, at);
    if (found === -1 || found + part.length > end) return false;
    at = found + part.length;
  }
  return true;
}
