/**
 * The file sink: every new token is written to `config.path` with `config.mode`. With
 * `wrap_ttl` the file receives a response-wrapping token's JSON instead, so whoever reads
 * the file must unwrap it (once) to get the real token.
 */
import type { WardClient } from '../../api/index.js';
import type { SinkConfig } from '../config.js';
import { writeFileAtomic } from '../files.js';
import type { Logger } from '../log.js';

/** Writes `token` to one sink; `client` is used (with `token` itself) only to wrap it. */
export async function writeSink(sink: SinkConfig, token: string, client: WardClient, log: Logger): Promise<void> {
  let content = token;
  if (sink.wrapTtl) {
    const res = await client.request('POST', 'sys/wrapping/wrap', { body: { token }, wrapTtl: sink.wrapTtl, token });
    const info = res.body?.wrap_info;
    if (!info?.token) throw new Error(`sink ${sink.path}: wrapping the token returned no wrap_info`);
    content = JSON.stringify(info);
  }
  writeFileAtomic(sink.path, content, sink.mode);
  log.info(`token written to ${sink.path}${sink.wrapTtl ? ' (wrapped)' : ''}`);
}

/** Writes to every sink; a failing sink is logged and does not stop the others. Returns false if any failed. */
export async function writeSinks(sinks: readonly SinkConfig[], token: string, client: WardClient, log: Logger): Promise<boolean> {
  let ok = true;
  for (const s of sinks) {
    try {
      await writeSink(s, token, client, log);
    } catch (e) {
      ok = false;
      log.error(`sink ${s.path} (${s.where}): ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return ok;
}
