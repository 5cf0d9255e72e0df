/**
 * Where the webhook's serving certificate comes from. The HTTPS server asks `get()` for
 * every new TLS context and re-reads it when `onChange` fires, so a renewed certificate
 * is served without a restart. Two sources implement it: files from -tls-cert-file /
 * -tls-key-file (file-source.ts) and the -tls-auto source (tls-auto/).
 */
export interface ServingCert {
  /** PEM certificate chain (leaf first). */
  certPem: string;
  /** PEM private key of the leaf. */
  keyPem: string;
}

export interface ServingCertSource {
  /** The current certificate; always valid once the source has been created. */
  get(): ServingCert;
  /** Called after the certificate changed (renewal, rotated files). */
  onChange(cb: () => void): void;
  /** Stops watching and renewing. */
  close(): Promise<void>;
}
