/**
 * GETs against a cloud metadata service (Azure IMDS, the GCE metadata server): link-local,
 * plain HTTP by design, with a required header proving the request is not a forwarded
 * browser request. A failure names the service and quotes its error, never a response
 * that could hold a token.
 */
const TIMEOUT_MS = 10_000;

/** The GCE metadata server: GCE_METADATA_HOST (host[:port], as Google's libraries read it) or the well-known name. */
export function gceMetadataBase(env: NodeJS.ProcessEnv): string {
  return `http://${env['GCE_METADATA_HOST'] || 'metadata.google.internal'}`;
}

/** The body of a 2xx answer as text. */
export async function metadataText(url: string, headers: Record<string, string>, what: string): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, { headers, redirect: 'error', signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (e) {
    // fetch's own message is only "fetch failed"; the cause says what (ECONNREFUSED, a timeout).
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`${what}: ${cause?.code ?? cause?.message ?? (e instanceof Error ? e.message : String(e))}`);
  }
  const text = await res.text();
  if (!res.ok) throw new Error(`${what}: HTTP ${res.status}${errorText(text)}`);
  return text;
}

/** The body of a 2xx answer parsed as JSON. */
export async function metadataGet(url: string, headers: Record<string, string>, what: string): Promise<unknown> {
  const text = await metadataText(url, headers, what);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error(`${what}: the answer is not JSON`);
  }
}

/** `: <message>` from an error body (`{"error":…,"error_description":…}` or short text). */
function errorText(body: string): string {
  let msg = body.trim();
  try {
    const j = JSON.parse(body) as { error?: unknown; error_description?: unknown };
    const parts = [j.error, j.error_description].filter((v): v is string => typeof v === 'string' && v !== '');
    if (parts.length > 0) msg = parts.join(': ');
  } catch {
    // not JSON: the text itself
  }
  return msg === '' ? '' : `: ${msg.slice(0, 200)}`;
}
