/**
 * The `socket` audit device's options, checked before anything is opened: `address`
 * (required), `socket_type` (tcp, udp or unix; default tcp), `write_timeout` (Go
 * duration or seconds; default 2s), `format` (json or jsonx) and `prefix`. Texts follow Vault's
 * where Vault has one ("address" is required, unable to parse max duration). Vault
 * accepts any socket_type and fails at the first write; this refuses an unknown one at
 * enable, where the operator is looking.
 */
import { parseDurationMillis } from '../../lib/duration.js';
import { badRequest } from '../../sdk/errors.js';
import { checkFormat } from '../format-option.js';

export type SocketTarget = { kind: 'tcp' | 'udp'; host: string; port: number } | { kind: 'unix'; path: string };

export interface SocketOptions {
  target: SocketTarget;
  writeTimeoutMs: number;
  prefix: string;
}

/** Go's net.Dial network names this device speaks, and the kind each one is. */
const SOCKET_TYPES: Readonly<Record<string, SocketTarget['kind']>> = {
  tcp: 'tcp',
  tcp4: 'tcp',
  tcp6: 'tcp',
  udp: 'udp',
  udp4: 'udp',
  udp6: 'udp',
  unix: 'unix',
};

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** "host:port" or "[v6]:port", as Go's net.SplitHostPort reads it. */
function hostPort(address: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]*)\]|([^:]*)):([^:]*)$/.exec(address);
  if (!m) throw badRequest(`address "${address}": missing port (expected host:port)`);
  const port = m[3]!;
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) throw badRequest(`address "${address}": invalid port "${port}"`);
  return { host: m[1] ?? m[2] ?? '', port: Number(port) };
}

export function parseSocketOptions(options: Record<string, string>): SocketOptions {
  const raw = options['address'];
  if (raw === undefined) throw badRequest('"address" is required: invalid configuration');
  const address = raw.trim();
  if (address === '') throw badRequest('"address" cannot be empty: invalid configuration');

  const type = (options['socket_type'] ?? '').trim() || 'tcp';
  const kind = SOCKET_TYPES[type];
  if (kind === undefined) throw badRequest(`unsupported socket_type "${type}": use tcp, udp or unix`);

  let writeTimeoutMs = 2000;
  const wt = (options['write_timeout'] ?? '').trim();
  if (wt !== '') {
    try {
      writeTimeoutMs = parseDurationMillis(wt);
    } catch (e) {
      throw badRequest(`unable to parse max duration: invalid internal parameter: ${errorText(e)}`);
    }
    // A zero deadline would fail every write; Go would time out at once too.
    if (writeTimeoutMs <= 0) throw badRequest(`write_timeout must be positive, got "${wt}"`);
  }
  checkFormat(options);
  const prefix = options['prefix'] ?? '';
  const target: SocketTarget = kind === 'unix' ? { kind, path: address } : { kind, ...hostPort(address) };
  return { target, writeTimeoutMs, prefix };
}
