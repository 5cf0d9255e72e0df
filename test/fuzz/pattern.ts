/**
 * Turns a PathDef pattern (a regular expression with named groups) into concrete paths:
 * named groups become slots the generators fill, optional groups are kept or dropped,
 * `/?` becomes "" or "/". The patterns Ward's tables use are simple enough for this
 * small parser; `parsePattern` throws on anything it does not understand, and a unit
 * test checks every table of the build against it.
 */

export type Part =
  | { kind: 'lit'; text: string }
  | { kind: 'slot'; name: string; inner: string }
  | { kind: 'opt'; parts: Part[] }
  | { kind: 'slash?' };

/** Index of the `)` closing the group that starts at `open` (a `(`). */
function closeOf(p: string, open: number): number {
  let depth = 0;
  let inClass = false;
  for (let i = open; i < p.length; i++) {
    const c = p[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
  }
  throw new Error(`unbalanced group in pattern ${p}`);
}

/** Parses `p` into literal text, named slots and optional parts. */
export function parsePattern(p: string): Part[] {
  const parts: Part[] = [];
  let i = 0;
  while (i < p.length) {
    const c = p[i] as string;
    if (p.startsWith('(?<', i) && p[i + 3] !== '=' && p[i + 3] !== '!') {
      const end = closeOf(p, i);
      const head = /^\(\?<(\w+)>/.exec(p.slice(i));
      if (!head) throw new Error(`bad named group in ${p}`);
      const slot: Part = { kind: 'slot', name: head[1] as string, inner: p.slice(i + head[0].length, end) };
      i = end + 1;
      if (p[i] === '?') {
        parts.push({ kind: 'opt', parts: [slot] });
        i++;
      } else parts.push(slot);
    } else if (p.startsWith('(?:', i)) {
      const end = closeOf(p, i);
      const inner = parsePattern(p.slice(i + 3, end));
      i = end + 1;
      if (p[i] === '?') {
        parts.push({ kind: 'opt', parts: inner });
        i++;
      } else parts.push(...inner);
    } else if (c === '/' && p[i + 1] === '?') {
      parts.push({ kind: 'slash?' });
      i += 2;
    } else if (p.startsWith('.*', i) || p.startsWith('.+', i)) {
      // A bare wildcard (KV v1, cubbyhole, KV v2's catch-all): the rest of the path.
      parts.push({ kind: 'slot', name: '*rest', inner: p.slice(i, i + 2) });
      i += 2;
    } else if (/[\w\-/]/.test(c)) {
      parts.push({ kind: 'lit', text: c });
      i++;
    } else if (c === '\\' && /[\-./]/.test(p[i + 1] ?? '')) {
      parts.push({ kind: 'lit', text: p[i + 1] as string });
      i += 2;
    } else {
      throw new Error(`unsupported pattern syntax at ${i} in ${p}`);
    }
  }
  return parts;
}

/** Every slot name in `parts`, in order, including optional ones. */
export function slotNames(parts: readonly Part[]): string[] {
  const out: string[] = [];
  for (const part of parts) {
    if (part.kind === 'slot') out.push(part.name);
    else if (part.kind === 'opt') out.push(...slotNames(part.parts));
  }
  return out;
}

export interface Fill {
  /** The slot's value as it goes into the URL (already percent-encoded where needed). */
  slot(name: string, inner: string): string;
  /** Keep an optional part? */
  keep(): boolean;
}

/** Builds one concrete path from `parts`. */
export function instantiate(parts: readonly Part[], fill: Fill): string {
  let out = '';
  for (const part of parts) {
    if (part.kind === 'lit') out += part.text;
    else if (part.kind === 'slot') out += fill.slot(part.name, part.inner);
    else if (part.kind === 'slash?') out += fill.keep() ? '/' : '';
    else if (fill.keep()) out += instantiate(part.parts, fill);
  }
  return out;
}

/** The literal text before the first slot or optional part (the path's "address"). */
export function literalPrefix(parts: readonly Part[]): string {
  let out = '';
  for (const part of parts) {
    if (part.kind !== 'lit') break;
    out += part.text;
  }
  return out;
}
