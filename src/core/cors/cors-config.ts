/**
 * The CORS configuration (`sys/config/cors`), persisted below the barrier and held in
 * memory for the HTTP layer, which reads it on every request carrying an Origin header.
 * As in Vault, the allowed headers are the standard ones plus those configured.
 */
import { badRequest } from '../../sdk/errors.js';
import { getJSON, putJSON, type Storage } from '../../sdk/storage.js';

/** Vault's StdAllowedHeaders, in Vault's order. */
export const STD_ALLOWED_HEADERS = Object.freeze([
  'Content-Type',
  'X-Requested-With',
  'X-Vault-AWS-IAM-Server-ID',
  'X-Vault-MFA',
  'X-Vault-No-Request-Forwarding',
  'X-Vault-Wrap-Format',
  'X-Vault-Wrap-TTL',
  'X-Vault-Policy-Override',
  'Authorization',
  'X-Vault-Token',
]);

export interface CorsConfig {
  enabled: boolean;
  allowedOrigins: readonly string[];
  /** The standard headers followed by the configured ones. */
  allowedHeaders: readonly string[];
}

const KEY = 'cors';
const DISABLED: CorsConfig = Object.freeze({ enabled: false, allowedOrigins: [], allowedHeaders: STD_ALLOWED_HEADERS });

export class CorsStore {
  private conf: CorsConfig = DISABLED;

  constructor(private readonly storage: Storage) {}

  get current(): CorsConfig {
    return this.conf;
  }

  async load(): Promise<void> {
    this.conf = (await getJSON<CorsConfig>(this.storage, KEY)) ?? DISABLED;
  }

  /** Turns CORS on for `origins` ("*" alone: every origin) with `headers` added to the standard ones. */
  async enable(origins: string[], headers: string[]): Promise<void> {
    if (origins.length > 1 && origins.includes('*')) throw badRequest("to allow all origins the '*' must be the only value for allowed_origins");
    const conf: CorsConfig = { enabled: true, allowedOrigins: [...origins], allowedHeaders: [...STD_ALLOWED_HEADERS, ...headers] };
    await putJSON(this.storage, KEY, conf);
    this.conf = conf;
  }

  async disable(): Promise<void> {
    await this.storage.delete(KEY);
    this.conf = DISABLED;
  }
}

export function originAllowed(conf: CorsConfig, origin: string): boolean {
  return conf.allowedOrigins.length === 1 && conf.allowedOrigins[0] === '*' ? true : conf.allowedOrigins.includes(origin);
}
