/**
 * The request headers as the core (and so the audit log) sees them: every header that
 * can carry a client token is taken out first.
 */

/**
 * The headers with every one that can carry a client token removed: X-Vault-Token and an
 * `Authorization: Bearer` (Vault reads either). Both go, whichever one was used, so an
 * operator who audits `authorization` in the clear never writes a token to the log.
 */
export function withoutTokenHeaders(raw: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const n = raw[i]!;
    if (n.length === 13 && n.toLowerCase() === 'x-vault-token') continue;
    if (n.length === 13 && n.toLowerCase() === 'authorization' && /^bearer\s/i.test(raw[i + 1]!)) continue;
    out.push(n, raw[i + 1]!);
  }
  return out;
}
