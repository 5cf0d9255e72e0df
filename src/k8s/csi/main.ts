import { isLogLevel, makeLogger } from './logger.js';
import { startCsiProvider, type RunningProvider } from './server.js';
import { KubeTokenRequester } from './token-request.js';

export type CsiProviderFlags = {
  endpoint: string;
  vaultAddr: string;
  vaultMount: string;
  vaultNamespace: string;
  healthAddr: string;
  cacheSize: number;
  logLevel: string;
  /** vault-csi-provider's Secret for its HMAC key; Ward's key lives in memory (see versions.ts). */
  hmacSecretName: string;
  version: string;
};

/**
 * `ward k8s csi-provider`: serves until SIGTERM/SIGINT, then finishes Mount calls in flight,
 * removes the socket and resolves with the exit code.
 */
export async function runCsiProvider(f: CsiProviderFlags, io: { stderr: { write(s: string): unknown }; env: NodeJS.ProcessEnv }): Promise<number> {
  if (!isLogLevel(f.logLevel)) {
    io.stderr.write(`invalid -log-level "${f.logLevel}" (want trace, debug, info, warn or error)\n`);
    return 1;
  }
  if (!Number.isInteger(f.cacheSize) || f.cacheSize < 1) {
    io.stderr.write(`invalid -cache-size ${f.cacheSize} (want a positive integer)\n`);
    return 1;
  }
  if (!/^https?:\/\/[^/]/.test(f.vaultAddr) || !URL.canParse(f.vaultAddr)) {
    io.stderr.write(`invalid -vault-addr "${f.vaultAddr}" (want an http or https URL)\n`);
    return 1;
  }
  const log = makeLogger(f.logLevel, (l) => io.stderr.write(l));
  log.debug('configuration', { endpoint: f.endpoint, vault_addr: f.vaultAddr, vault_mount: f.vaultMount, cache_size: f.cacheSize });
  if (f.hmacSecretName !== '') log.info('-hmac-secret-name is ignored: object versions are keyed by a random in-memory key', { name: f.hmacSecretName });
  const requester = KubeTokenRequester.fromEnv(io.env);
  if (!requester) log.info('not running in a cluster: pods need serviceAccount.tokens from the driver (CSIDriver tokenRequests)');
  // Listening for the signals before the socket exists: the driver (or a test) may send
  // SIGTERM as soon as it sees the socket, and a signal with no handler yet kills the
  // process without the clean shutdown (the socket left behind, exit without a code).
  const handlers: Array<[NodeJS.Signals, () => void]> = [];
  const stopped = new Promise<string>((resolve) => {
    for (const s of ['SIGTERM', 'SIGINT'] as const) {
      const h = () => resolve(s);
      handlers.push([s, h]);
      process.once(s, h);
    }
  });
  let running: RunningProvider;
  try {
    running = await startCsiProvider({ ...f, requester, log });
  } catch (e) {
    for (const [s, h] of handlers) process.off(s, h);
    log.error('cannot start', { error: e instanceof Error ? e.message : String(e) });
    return 1;
  }
  const signal = await stopped;
  log.info('shutting down', { signal });
  await running.close();
  return 0;
}
