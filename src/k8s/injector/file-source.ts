/**
 * The serving certificate from -tls-cert-file / -tls-key-file, re-read when either file
 * changes (cert-manager or a mounted Secret rotating it). Polling rather than fs.watch:
 * Kubernetes swaps Secret volumes through a symlink that inotify on the file misses.
 * A half-written or mismatched pair is ignored until both files agree again.
 */
import { readFileSync, statSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import type { ServingCert, ServingCertSource } from './cert-source.js';

export interface FileSourceOptions {
  /** How often the files are checked (default 5 s). */
  pollMs?: number;
  /** Told about a pair that could not be loaded (the previous one stays in use). */
  onError?: (message: string) => void;
}

function load(certFile: string, keyFile: string): ServingCert {
  const cert = { certPem: readFileSync(certFile, 'utf8'), keyPem: readFileSync(keyFile, 'utf8') };
  // Throws when the key does not match the certificate or either is not PEM.
  createSecureContext({ cert: cert.certPem, key: cert.keyPem });
  return cert;
}

const stamp = (f: string): string => {
  try {
    const s = statSync(f);
    return `${s.mtimeMs}:${s.size}:${s.ino}`;
  } catch {
    return 'missing';
  }
};

/** Loads the pair (throws if it is unusable) and keeps watching it. */
export async function fileCertSource(certFile: string, keyFile: string, o: FileSourceOptions = {}): Promise<ServingCertSource> {
  let current: ServingCert;
  try {
    current = load(certFile, keyFile);
  } catch (e) {
    throw new Error(`cannot load the TLS certificate ${certFile} / key ${keyFile}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const listeners: (() => void)[] = [];
  let seen = `${stamp(certFile)}|${stamp(keyFile)}`;
  const timer = setInterval(() => {
    const now = `${stamp(certFile)}|${stamp(keyFile)}`;
    if (now === seen) return;
    try {
      const next = load(certFile, keyFile);
      seen = now;
      if (next.certPem === current.certPem && next.keyPem === current.keyPem) return;
      current = next;
      for (const cb of listeners) cb();
    } catch (e) {
      // Often the moment between writing the key and the certificate: retried next tick.
      o.onError?.(`TLS certificate files changed but cannot be loaded yet: ${e instanceof Error ? e.message : String(e)}`);
    }
  }, o.pollMs ?? 5000);
  timer.unref();
  return {
    get: () => current,
    onChange: (cb) => void listeners.push(cb),
    close: async () => clearInterval(timer),
  };
}
