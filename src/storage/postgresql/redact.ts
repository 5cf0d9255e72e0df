/**
 * Keeping the database password out of errors and logs. The connection URL carries it
 * (`postgres://user:secret@host/db` or `password=secret` in keyword form); every message
 * the store produces about a connection goes through `scrubber(url)` first.
 */

/** `scheme://user:password@` at the start of a string, even one `new URL` rejects. */
const USERINFO = /^([a-z][a-z0-9+.-]*:\/\/[^:@/]*:)([^@]*)@/i;

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The password in a connection URL or keyword/value string, or undefined. */
export function passwordOf(url: string): string | undefined {
  try {
    const u = new URL(url);
    if (u.password !== '') return safeDecode(u.password);
    const q = u.searchParams.get('password');
    if (q) return q;
  } catch {
    // not a URL (keyword/value form), or a broken one: look for userinfo by hand
    const user = USERINFO.exec(url);
    if (user?.[2]) return safeDecode(user[2]);
  }
  const kv = /(?:^|\s)password\s*=\s*('(?:[^'\\]|\\.)*'|\S+)/.exec(url);
  if (!kv?.[1]) return undefined;
  const v = kv[1];
  return v.startsWith("'") ? v.slice(1, -1).replace(/\\(.)/g, '$1') : v;
}

/** The URL with its password replaced by "redacted", fit to print. */
export function redactConnectionUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = 'redacted';
    if (u.searchParams.has('password')) u.searchParams.set('password', 'redacted');
    return u.toString();
  } catch {
    return url.replace(USERINFO, '$1redacted@').replace(/((?:^|\s)password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)/, '$1redacted');
  }
}

/** A function removing the URL's password (raw and URL-encoded) from any message. */
export function scrubber(url: string): (msg: string) => string {
  const pw = passwordOf(url);
  if (pw === undefined || pw === '') return (msg) => msg;
  const forms = [...new Set([pw, encodeURIComponent(pw), url])].sort((a, b) => b.length - a.length);
  return (msg) => {
    let out = msg;
    for (const f of forms) out = out.split(f).join(f === url ? redactConnectionUrl(url) : '[redacted]');
    return out;
  };
}
