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

/** Built-in backend factories by type name. */
export class BackendRegistry {
  private readonly types = new Map<string, RegisteredType>();
  register(type: string, kind: 'secret' | 'auth', factory: BackendFactory): void {
    this.types.set(type, { kind, factory });
  }
  get(type: string): RegisteredType | undefined {
    return this.types.get(type);
  }
  /** Every registered type name with its kind, in registration order (tools mount them all). */
  list(): { type: string; kind: 'secret' | 'auth' }[] {
    return [...this.types].map(([type, t]) => ({ type, kind: t.kind }));
  }
}
