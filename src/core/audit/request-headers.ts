/**
 * Which request headers appear in audit records (`sys/config/auditing/request-headers`),
 * and whether each one's values are HMACed. As Vault: names are kept in lower case (HTTP/2
 * sends them so), `correlation-id` and `x-correlation-id` are audited in the clear unless
 * an operator configured them, and a removed default returns on the next load (Vault
 * re-adds its defaults whenever it reads the config).
 */
import { badRequest } from '../../sdk/errors.js';
import { getJSON, putJSON, type Storage } from '../../sdk/storage.js';

export interface HeaderSettings {
  hmac: boolean;
}

/** Where the config lives in the audit broker's storage view. */
export const AUDITED_HEADERS_KEY = 'audited-headers';

const DEFAULT_HEADERS: readonly string[] = ['correlation-id', 'x-correlation-id'];

export class AuditedHeaders {
  private settings = new Map<string, HeaderSettings>();
  /**
   * The lengths of the configured names. Every audited request passes through select(),
   * and most of its headers are not audited: a length that matches no configured name
   * rules a header out without lower-casing it (a string allocation each).
   */
  private lengths = new Set<number>();

  constructor(private readonly storage: Storage) {}

  /** On unseal: the stored config with the defaults added where missing. */
  async load(): Promise<void> {
    const stored = (await getJSON<Record<string, HeaderSettings>>(this.storage, AUDITED_HEADERS_KEY)) ?? {};
    const next = new Map<string, HeaderSettings>();
    for (const [name, s] of Object.entries(stored)) next.set(name.toLowerCase(), { hmac: s?.hmac === true });
    for (const name of DEFAULT_HEADERS) if (!next.has(name)) next.set(name, { hmac: false });
    this.install(next);
  }

  /** Every audited header by lower-case name, in name order. */
  list(): Record<string, HeaderSettings> {
    const out: Record<string, HeaderSettings> = {};
    for (const name of [...this.settings.keys()].sort()) out[name] = { ...this.settings.get(name)! };
    return out;
  }

  get(name: string): HeaderSettings | undefined {
    const s = this.settings.get(name.toLowerCase());
    return s ? { ...s } : undefined;
  }

  async set(name: string, hmac: boolean): Promise<void> {
    if (name === '') throw badRequest('header value cannot be empty');
    const next = new Map(this.settings);
    next.set(name.toLowerCase(), { hmac });
    await this.persist(next);
  }

  /** Removing a header that is not configured is not an error (Vault's answer too). */
  async remove(name: string): Promise<void> {
    if (name === '') throw badRequest('header value cannot be empty');
    const key = name.toLowerCase();
    if (!this.settings.has(key)) return;
    const next = new Map(this.settings);
    next.delete(key);
    await this.persist(next);
  }

  /**
   * The audited subset of `wire` (name/value pairs in wire order, node's rawHeaders
   * shape): lower-case names, every value of a repeated header in order, the values of
   * `hmac` headers passed through `hash`. Undefined when none of them was sent, so the
   * record leaves `headers` out (Vault's omitempty).
   */
  select(wire: readonly string[], hash: (value: string) => string): Record<string, string[]> | undefined {
    const settings = this.settings;
    if (settings.size === 0) return undefined;
    const lengths = this.lengths;
    let out: Record<string, string[]> | undefined;
    for (let i = 0; i + 1 < wire.length; i += 2) {
      if (!lengths.has(wire[i]!.length)) continue;
      const name = wire[i]!.toLowerCase();
      const s = settings.get(name);
      if (s === undefined) continue;
      out ??= Object.create(null) as Record<string, string[]>;
      const value = s.hmac ? hash(wire[i + 1]!) : wire[i + 1]!;
      (out[name] ??= []).push(value);
    }
    return out;
  }

  /** Written first, swapped in after: a failed write leaves the config as it was. */
  private async persist(next: Map<string, HeaderSettings>): Promise<void> {
    await putJSON(this.storage, AUDITED_HEADERS_KEY, Object.fromEntries(next));
    this.install(next);
  }

  private install(next: Map<string, HeaderSettings>): void {
    this.settings = next;
    this.lengths = new Set([...next.keys()].map((k) => k.length));
  }
}
