/**
 * The `listener "tcp" { … }` stanza: Vault's key names and defaults, checked here so a
 * mistake is a config error naming `file:line` rather than a surprise at runtime.
 */
import { parseAddress, type ListenerConfig } from '../http/listener.js';
import { cipherList, parseCipherSuites } from '../http/tls.js';
import { bool, int, str, type Block, type Locator, type Obj } from './config.js';
import { listenerTelemetry } from './config-telemetry.js';

const DEFAULT_ADDRESS = '127.0.0.1:8200';

const LISTENER_KEYS = new Set([
  'address',
  'cluster_address',
  'tls_disable',
  'tls_cert_file',
  'tls_key_file',
  'tls_min_version',
  'tls_cipher_suites',
  'tls_prefer_server_cipher_suites',
  'tls_require_and_verify_client_cert',
  'tls_client_ca_file',
  'tls_disable_client_certs',
  'max_request_size',
  'max_request_duration',
  'max_json_depth',
  'max_json_string_value_length',
  'max_json_object_entry_count',
  'max_json_array_element_count',
  'http_read_header_timeout',
  'http_read_timeout',
  'http_write_timeout',
  'http_idle_timeout',
  'telemetry',
]);

/** Node's timers take at most 2^31-1 ms (about 24.8 days) and turn anything longer into 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A duration in ms, as Vault reads listener durations: a number or a string of digits
 * is seconds; otherwise Go's syntax ("10s", "1m30s", "250ms"). Undefined when absent.
 */
function durationMs(o: Obj, k: string, loc: Locator, at: number): number | undefined {
  const v = o[k];
  if (v === undefined) return undefined;
  const bad = (): Error => loc.error(`${k} must be a non-negative duration such as "30s" or a number of seconds`, k, at);
  let ms: number;
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v < 0) throw bad();
    ms = Math.round(v * 1000);
  } else if (typeof v === 'string' && /^\d+$/.test(v.trim())) {
    ms = Number.parseInt(v.trim(), 10) * 1000;
  } else if (typeof v === 'string' && /^(?:\d+(?:\.\d*)?(?:ns|us|µs|ms|s|m|h|d))+$/.test(v.trim())) {
    ms = 0;
    for (const m of v.trim().matchAll(/(\d+(?:\.\d*)?)(ns|us|µs|ms|s|m|h|d)/g)) ms += Number(m[1]) * MS[m[2]!]!;
    ms = Math.round(ms);
  } else {
    throw bad();
  }
  if (ms > MAX_TIMER_MS) throw loc.error(`${k} is too long: at most 596h`, k, at);
  return ms;
}

/** A count option: 0 (or absent) means Vault's default; negative is an error. */
function count(o: Obj, k: string, loc: Locator, at: number): number | undefined {
  const n = int(o, k, loc, at);
  if (n === undefined || n === 0) return undefined;
  if (n < 0) throw loc.error(`${k} must not be negative`, k, at);
  return n;
}

export function listener(b: Block, loc: Locator, at: number): ListenerConfig {
  if (b.label !== 'tcp') throw loc.error(`unknown listener type "${b.label}": only tcp is supported`, undefined, at);
  const o = b.body;
  for (const k of Object.keys(o)) {
    if (!LISTENER_KEYS.has(k)) throw loc.error(`unknown key "${k}" in listener "tcp"`, k, at);
  }
  const address = str(o, 'address', loc, at) ?? DEFAULT_ADDRESS;
  try {
    parseAddress(address);
  } catch (e) {
    throw loc.error(e instanceof Error ? e.message : 'invalid address', 'address', at);
  }
  const cfg: ListenerConfig = { address, tlsDisable: bool(o, 'tls_disable', loc, at) ?? false };
  const clusterAddress = str(o, 'cluster_address', loc, at);
  if (clusterAddress !== undefined) {
    try {
      parseAddress(clusterAddress);
    } catch (e) {
      throw loc.error(`cluster_address: ${e instanceof Error ? e.message : 'invalid address'}`, 'cluster_address', at);
    }
    cfg.clusterAddress = clusterAddress;
  }
  const cert = str(o, 'tls_cert_file', loc, at);
  const key = str(o, 'tls_key_file', loc, at);
  if (cert !== undefined) cfg.tlsCertFile = cert;
  if (key !== undefined) cfg.tlsKeyFile = key;
  const min = str(o, 'tls_min_version', loc, at);
  if (min !== undefined) {
    if (min !== 'tls12' && min !== 'tls13') {
      throw loc.error(`tls_min_version "${min}" is not allowed: TLS 1.2 is the minimum (use tls12 or tls13)`, 'tls_min_version', at);
    }
    cfg.tlsMinVersion = min;
  }
  const suites = str(o, 'tls_cipher_suites', loc, at);
  if (suites !== undefined) {
    cfg.tlsCipherSuites = parseCipherSuites(suites);
    try {
      cipherList(cfg.tlsCipherSuites);
    } catch (e) {
      throw loc.error((e as Error).message, 'tls_cipher_suites', at);
    }
  }
  const prefer = bool(o, 'tls_prefer_server_cipher_suites', loc, at);
  if (prefer !== undefined) cfg.tlsPreferServerCipherSuites = prefer;
  const require = bool(o, 'tls_require_and_verify_client_cert', loc, at);
  if (require !== undefined) cfg.tlsRequireAndVerifyClientCert = require;
  const disableClient = bool(o, 'tls_disable_client_certs', loc, at);
  if (disableClient !== undefined) cfg.tlsDisableClientCerts = disableClient;
  if (require && disableClient) {
    throw loc.error('tls_disable_client_certs and tls_require_and_verify_client_cert are mutually exclusive', 'tls_disable_client_certs', at);
  }
  const ca = str(o, 'tls_client_ca_file', loc, at);
  if (ca !== undefined) cfg.tlsClientCaFile = ca;
  const unauthenticatedMetrics = listenerTelemetry(o, loc, at);
  if (unauthenticatedMetrics !== undefined) cfg.unauthenticatedMetricsAccess = unauthenticatedMetrics;

  const size = int(o, 'max_request_size', loc, at);
  if (size !== undefined) cfg.maxRequestSize = size;
  const duration = durationMs(o, 'max_request_duration', loc, at);
  if (duration) cfg.maxRequestDurationMs = duration;
  const depth = count(o, 'max_json_depth', loc, at);
  if (depth !== undefined) cfg.maxJsonDepth = depth;
  const stringLength = count(o, 'max_json_string_value_length', loc, at);
  if (stringLength !== undefined) cfg.maxJsonStringValueLength = stringLength;
  const entries = count(o, 'max_json_object_entry_count', loc, at);
  if (entries !== undefined) cfg.maxJsonObjectEntryCount = entries;
  const elements = count(o, 'max_json_array_element_count', loc, at);
  if (elements !== undefined) cfg.maxJsonArrayElementCount = elements;

  const readHeader = durationMs(o, 'http_read_header_timeout', loc, at);
  if (readHeader !== undefined) cfg.httpReadHeaderTimeoutMs = readHeader;
  const read = durationMs(o, 'http_read_timeout', loc, at);
  if (read !== undefined) cfg.httpReadTimeoutMs = read;
  const write = durationMs(o, 'http_write_timeout', loc, at);
  if (write !== undefined) cfg.httpWriteTimeoutMs = write;
  const idle = durationMs(o, 'http_idle_timeout', loc, at);
  if (idle !== undefined) cfg.httpIdleTimeoutMs = idle;

  if (!cfg.tlsDisable && (!cert || !key)) {
    throw loc.error('listener "tcp" needs tls_cert_file and tls_key_file, or tls_disable = true', undefined, at);
  }
  return cfg;
}
