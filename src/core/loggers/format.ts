/**
 * sys/monitor's two line formats. `json` is the line as the server writes it; `standard`
 * is hclog's text form, which `vault monitor` users read and grep:
 * `2026-01-02T03:04:05.678Z [INFO]  core: vault is unsealed: key=value`.
 */
import type { LogLine } from './control.js';

export type LogFormat = 'standard' | 'json';

/** hclog's level tags, padded to one width. */
const TAGS: Record<string, string> = { trace: '[TRACE]', debug: '[DEBUG]', info: '[INFO] ', warn: '[WARN] ', error: '[ERROR]' };

function value(v: unknown): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v) ?? String(v);
  return /[\s"=]/.test(s) || s === '' ? JSON.stringify(s) : s;
}

export function formatLine(line: LogLine, format: LogFormat): string {
  if (format === 'json') return `${JSON.stringify(line)}\n`;
  const level = String(line['@level'] ?? 'info');
  const module = line['@module'];
  let msg = String(line['@message'] ?? '');
  // Ward's core messages already start with their subsystem ("core: …"): not twice.
  if (typeof module === 'string' && module !== '' && !msg.startsWith(`${module}: `)) msg = `${module}: ${msg}`;
  const pairs: string[] = [];
  for (const [k, v] of Object.entries(line)) if (!k.startsWith('@')) pairs.push(`${k}=${value(v)}`);
  return `${String(line['@timestamp'] ?? '')} ${TAGS[level] ?? `[${level.toUpperCase()}]`} ${msg}${pairs.length > 0 ? `: ${pairs.join(' ')}` : ''}\n`;
}
