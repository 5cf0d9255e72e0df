/**
 * `-output-curl-string` and `-output-policy`: instead of sending a request, the vault CLI
 * prints the curl command that would send it, or the ACL stanza it needs. The transport
 * raises {@link OutputStringError} with that text; the CLI prints it and exits 0.
 */

export type OutputMode = 'curl' | 'policy';

/** Carries the text to print in place of the request's answer. */
export class OutputStringError extends Error {
  override readonly name = 'OutputStringError';
  constructor(readonly text: string) {
    super(text);
  }
}

/** The curl command, as vault writes it: the token as `$(ward print token)`, the body single-quoted. */
export function curlString(method: string, url: URL, headers: Record<string, string>, body: Buffer | undefined, o: { tlsSkipVerify?: boolean; caCert?: string } = {}): string {
  let s = 'curl ';
  if (o.tlsSkipVerify) s += '--insecure ';
  if (method !== 'GET') s += `-X ${method} `;
  if (o.caCert) s += `--cacert '${o.caCert}' `;
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === 'content-length') continue;
    s += `-H "${k}: ${k.toLowerCase() === 'x-vault-token' ? '$(ward print token)' : v}" `;
  }
  if (body && body.length > 0) s += `-d '${body.toString('utf8').replace(/'/g, `'"'"'`)}' `;
  return s + url.toString();
}

/** The ACL stanza a request needs: its path (no /v1/, no query) and the capability its method maps to. */
export function policyString(method: string, url: URL): string {
  const path = decodeURIComponent(url.pathname.replace(/^\/v1\//, ''));
  const isList = method === 'LIST' || (method === 'GET' && url.searchParams.get('list') === 'true');
  const caps: Record<string, string[]> = { GET: ['read'], POST: ['create', 'update'], PUT: ['create', 'update'], PATCH: ['patch'], DELETE: ['delete'] };
  const c = isList ? ['list'] : (caps[method] ?? ['read']);
  return `path "${path}" {\n  capabilities = [${c.map((x) => `"${x}"`).join(', ')}]\n}`;
}
