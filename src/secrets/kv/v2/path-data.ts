/**
 * `data/<path>`: read a version, write a new one, merge-patch the current one, and
 * soft-delete the current one. The read is the hot path: one metadata get, one
 * version get, and the response is built from the two parsed records.
 */
import { badRequest, notFound } from '../../../sdk/errors.js';
import { definePath } from '../../../sdk/framework/path.js';
import { field } from '../../../sdk/framework/fields.js';
import type { FieldData } from '../../../sdk/framework/field-data.js';
import type { LogicalResponse } from '../../../sdk/logical.js';
import { rfc3339 } from '../../../lib/clock.js';
import { kvEvent, secretPath, type KvContext } from './context.js';
import { copyMetadata, findVersion, readConfig, readMetadata, readMetadataForUpdate, readVersion, setVersion, versionEntry, writeMetadata, type KeyMetadata, type VersionMetadata } from './layout.js';
import type { Frozen } from '../../../sdk/storage.js';
import { isPlainObject, mergePatch } from './merge-patch.js';
import { appendVersion, checkCas, emptyMetadata, isDeleted, parseCas, versionView } from './versions.js';

const fields = {
  path: field.string({ description: 'Location of the secret.' }),
  version: field.int({ description: 'Version to read; 0 or absent means the current version.', query: true }),
  data: field.map({ description: 'The secret: a JSON object of arbitrary keys and values.' }),
  options: field.map({ description: 'Write options; `cas` is the check-and-set version.' }),
};

type DataFields = typeof fields;

/** The `data` object of a write or patch; a missing or null `data` is refused. */
function requestData(d: FieldData<DataFields>): Record<string, unknown> {
  if (!d.has('data') || d.raw.data === null) throw badRequest('no data provided');
  return d.get('data');
}

interface ReadView {
  vm: object;
  custom: unknown;
  version: number;
  view: Record<string, unknown>;
}

/**
 * The body of a read, one frozen object per stored version while neither the version
 * nor the secret's custom metadata changes: the core then reuses what it serialised
 * (and audit-hashed) for the previous read instead of doing it again. Keyed by the
 * shared version record, so it is dropped with it.
 */
const readViews = new WeakMap<object, ReadView>();

function readView(meta: Frozen<KeyMetadata>, version: number, vm: Frozen<VersionMetadata>, data: Frozen<Record<string, unknown>>): Record<string, unknown> {
  const hit = readViews.get(data);
  if (hit !== undefined && hit.vm === vm && hit.custom === meta.custom_metadata && hit.version === version) return hit.view;
  const view = Object.freeze({ data, metadata: Object.freeze(versionView(meta, version, vm)) });
  readViews.set(data, { vm, custom: meta.custom_metadata, version, view });
  return view;
}

/** The version numbers events report (strings, as Vault's event metadata). */
function versionNumbers(meta: KeyMetadata): Record<string, string> {
  return { current_version: String(meta.current_version), oldest_version: String(meta.oldest_version) };
}

export function dataPath(ctx: KvContext) {
  return definePath({
    pattern: 'data/(?<path>.+)',
    fields,
    synopsis: 'Write, patch, read and delete versions of a secret.',
    // The shared record: no copy of the stored bytes, and the write that follows reuses it.
    existenceCheck: async (req, d) => (await readMetadata(req.storage, d.get('path'))) !== null,
    operations: {
      async read(req, d) {
        const path = secretPath(d.get('path'));
        const meta = await readMetadata(req.storage, path);
        if (meta === null) return null;
        const version = d.get('version') || meta.current_version;
        const vm = findVersion(meta, version);
        if (vm === undefined) return null;
        if (isDeleted(vm, ctx.clock.now())) return { status: 404, data: { data: null, metadata: versionView(meta, version, vm) } };
        const data = await readVersion(req.storage, path, version);
        if (data === null) return null;
        return { data: readView(meta, version, vm, data) };
      },

      async update(req, d) {
        const path = secretPath(d.get('path'), true);
        const data = requestData(d);
        const cas = parseCas(d.get('options'));
        const { response, durable, versions } = await ctx.locks.run(path, async () => {
          // Two awaits, not Promise.all: both are memory hits on a hot key, and
          // Promise.all's bookkeeping cost more than the second hop.
          const before = await readMetadata(req.storage, path);
          const config = await readConfig(req.storage);
          checkCas(before, config, cas);
          const now = ctx.clock.now();
          const meta = before === null ? emptyMetadata(rfc3339(now)) : copyMetadata(before);
          const { version, durable } = appendVersion(req.storage, path, meta, config, data, now);
          return { response: { data: versionView(meta, version, findVersion(meta, version)!) }, durable, versions: versionNumbers(meta) };
        });
        // Acknowledge only once durable (all or nothing); the lock is already free for the next writer.
        await durable;
        kvEvent(ctx, 'data-write', `data/${path}`, `data/${path}`, versions);
        return response;
      },

      async patch(req, d) {
        const path = secretPath(d.get('path'), true);
        const patch = requestData(d);
        const cas = parseCas(d.get('options'));
        const outcome = await ctx.locks.run(path, async (): Promise<{ response: LogicalResponse; durable?: Promise<void>; versions?: Record<string, string> }> => {
          const before = await readMetadata(req.storage, path);
          const config = await readConfig(req.storage);
          if (before === null) throw notFound();
          const meta = copyMetadata(before);
          const vm = findVersion(meta, meta.current_version);
          if (vm === undefined) throw notFound();
          const now = ctx.clock.now();
          if (isDeleted(vm, now)) {
            return { response: { status: 404, data: { data: null, metadata: versionView(meta, meta.current_version, vm) } } };
          }
          checkCas(meta, config, cas);
          const current = await readVersion(req.storage, path, meta.current_version);
          if (current === null) throw notFound();
          // `current` is the shared, frozen record; merge into a private copy.
          const merged = mergePatch(structuredClone(current), patch);
          if (!isPlainObject(merged)) throw badRequest('patch must be a JSON object');
          const { version, durable } = appendVersion(req.storage, path, meta, config, merged, now);
          return { response: { data: versionView(meta, version, findVersion(meta, version)!) }, durable, versions: versionNumbers(meta) };
        });
        if (outcome.durable) await outcome.durable;
        if (outcome.versions) kvEvent(ctx, 'data-patch', `data/${path}`, `data/${path}`, outcome.versions);
        return outcome.response;
      },

      async delete(req, d) {
        const path = secretPath(d.get('path'));
        const deleted = await ctx.locks.run(path, async () => {
          const meta = await readMetadataForUpdate(req.storage, path);
          if (meta === null) return false;
          const vm = findVersion(meta, meta.current_version);
          const now = ctx.clock.now();
          if (vm === undefined || isDeleted(vm, now)) return false;
          setVersion(meta, versionEntry(vm.version, { ...vm, deletion_time: rfc3339(now) }));
          await writeMetadata(req.storage, path, meta);
          return true;
        });
        // No data_path: after a delete there is nothing to read there (Vault's KV plugin).
        if (deleted) kvEvent(ctx, 'data-delete', `data/${path}`, null);
        return null;
      },
    },
  });
}
