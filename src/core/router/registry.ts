import type { BackendFactory } from '../../sdk/logical.js';

export interface RegisteredType {
  kind: 'secret' | 'auth';
  factory: BackendFactory;
}

/** Types only the core creates; users can never mount them. */
export const SINGLETON_TYPES = new Set(['system', 'token', 'cubbyhole', 'identity']);

/** Vault's aliases: `kv-v2` is `kv` with `options.version = "2"`. */
export function normalizeType(type: string, options: Record<string, string> | null): { type: string; options: Record<string, string> | null } {
  switch (type) {
    case 'kv-v2':
      return { type: 'kv', options: { ...(options ?? {}), version: '2' } };
    case 'kv-v1':
    case 'generic':
      return { type: 'kv', options: { ...(options ?? {}), version: '1' } };
    default:
      return { type, options };
  }
}

/**
 * Built-in backend factories by kind and type name: `kubernetes` is both an auth method
 * and a secrets engine, as in Vault.
 */
export class BackendRegistry {
  private readonly types = new Map<string, RegisteredType & { type: string }>();
  register(type: string, kind: 'secret' | 'auth', factory: BackendFactory): void {
    this.types.set(`${kind}/${type}`, { type, kind, factory });
  }
  get(type: string, kind: 'secret' | 'auth'): RegisteredType | undefined {
    return this.types.get(`${kind}/${type}`);
  }
  /** Every registered type name with its kind, in registration order (tools mount them all). */
  list(): { type: string; kind: 'secret' | 'auth' }[] {
    return [...this.types.values()].map((t) => ({ type: t.type, kind: t.kind }));
  }
}
