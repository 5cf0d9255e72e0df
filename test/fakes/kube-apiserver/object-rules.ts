/**
 * Pure rules about stored objects: their key in a bucket, the finalizers that hold a
 * deletion, what counts as a spec change (bumps generation), timestamps and the random
 * suffix of generateName.
 */
import { randomBytes } from 'node:crypto';
import { canonical } from './canonical.js';
import type { ResourceType } from './registry.js';
import type { KObj } from './objects.js';

const NAME_CHARS = 'bcdfghjklmnpqrstvwxz2456789';
export const now = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
export const key = (ns: string | undefined, name: string): string => `${ns ?? ''}/${name}`;
/** metadata.finalizers, plus a namespace's spec.finalizers (the namespace controller's own). */
export const finalizersOf = (t: ResourceType, o: KObj): string[] => [
  ...(o.metadata.finalizers ?? []),
  ...(t.group === '' && t.plural === 'namespaces' ? ((o['spec'] as { finalizers?: string[] } | undefined)?.finalizers ?? []) : []),
];
/** The object without metadata (and status, for kinds with that subresource): what generation counts. */
export const strip = (o: KObj, t: ResourceType): string =>
  canonical({ ...o, metadata: undefined, ...(t.status ? { status: undefined } : {}) });
/** The 5 random characters generateName appends. */
export const randomNameSuffix = (): string => Array.from(randomBytes(5), (b) => NAME_CHARS[b % NAME_CHARS.length]).join('');
