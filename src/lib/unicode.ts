/**
 * Total string helpers for text that came from a client. A JavaScript string may hold
 * unpaired UTF-16 surrogates (JSON's "\ud800" escape makes one), which no UTF-8 encoder
 * can write: encodeURIComponent throws on them, Buffer.from silently replaces them, so
 * such text must be refused or repaired before it reaches either.
 */

interface WellFormedString {
  isWellFormed(): boolean;
  toWellFormed(): string;
}

/** True when `s` has no unpaired surrogate, i.e. it is valid Unicode (native since Node 20). */
export function isWellFormed(s: string): boolean {
  return (s as unknown as WellFormedString).isWellFormed();
}

/** `s` with each unpaired surrogate replaced by U+FFFD, as Go's UTF-8 decoding does. */
export function toWellFormed(s: string): string {
  return (s as unknown as WellFormedString).toWellFormed();
}

/** True when every character is ASCII (the IA5String of X.509 names). */
export function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** `s` cut to at most `max` characters (plus "..."), never splitting a surrogate pair: for echoing input in errors. */
export function shorten(s: string, max = 64): string {
  if (s.length <= max) return s;
  let cut = max - 3;
  const c = s.charCodeAt(cut - 1);
  if (c >= 0xd800 && c <= 0xdbff) cut--;
  return `${s.slice(0, cut)}...`;
}
