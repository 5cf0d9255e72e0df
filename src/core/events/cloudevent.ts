/**
 * One published event and its wire form: the CloudEvents JSON Vault's event bus sends
 * with `json=true` (`id`, `source`, `specversion`, `type`, `data`, the content type, `time`),
 * `data` being Vault's EventReceived (`event {id, metadata}`, `event_type`, `plugin_info`,
 * `namespace` when not the root). Serialised once per event, whatever the subscriber count.
 */

export interface PluginInfo {
  mount_class: 'secret' | 'auth';
  mount_accessor: string;
  /** With the trailing slash, as mounted (`secret/`). */
  mount_path: string;
  plugin: string;
}

export interface WardEvent {
  id: string;
  /** RFC 3339 with nanoseconds, as Go's time formatting. */
  time: string;
  eventType: string;
  /** The namespace path; "" is the root (the only one Ward has). */
  namespace: string;
  /** Strings only, as Vault's structpb metadata; `path` and `data_path` include the mount. */
  metadata: Readonly<Record<string, string>>;
  pluginInfo: PluginInfo;
}

/** The metadata fields Vault's bus prefixes with the mount path (`patchMountPath`). */
const MOUNT_RELATIVE = ['path', 'data_path'] as const;

/** `metadata` as the backend gave it, with its paths made absolute (auth mounts under `auth/`). */
export function absoluteMetadata(metadata: Readonly<Record<string, string>>, plugin: PluginInfo): Record<string, string> {
  const out: Record<string, string> = { ...metadata };
  for (const f of MOUNT_RELATIVE) {
    const rel = out[f];
    if (rel === undefined) continue;
    const joined = joinPath(plugin.mount_path, rel);
    out[f] = plugin.mount_class === 'auth' ? joinPath('auth/', joined) : joined;
  }
  return out;
}

/** Go's path.Join for the two relative pieces used here: one slash between, none trailing. */
function joinPath(a: string, b: string): string {
  return `${a}/${b}`.split('/').filter((s) => s !== '').join('/');
}

const serialised = new WeakMap<WardEvent, string>();
const encoded = new WeakMap<WardEvent, Buffer>();

/** `cloudEventJson` as UTF-8, encoded once per event and shared by every subscriber's send. */
export function cloudEventBytes(e: WardEvent, source: string): Buffer {
  let b = encoded.get(e);
  if (b === undefined) {
    b = Buffer.from(cloudEventJson(e, source), 'utf8');
    encoded.set(e, b);
  }
  return b;
}

/** The CloudEvents JSON text of `e` (one line, no trailing newline), cached per event. */
export function cloudEventJson(e: WardEvent, source: string): string {
  let text = serialised.get(e);
  if (text !== undefined) return text;
  const data: Record<string, unknown> = {
    event: { id: e.id, metadata: e.metadata },
    event_type: e.eventType,
    plugin_info: e.pluginInfo,
  };
  if (e.namespace !== '') data.namespace = e.namespace;
  text = JSON.stringify({
    id: e.id,
    source,
    specversion: '1.0',
    type: '*',
    data,
    // Vault's formatter spells it `datacontentype`; the CloudEvents attribute is
    // `datacontenttype`. Both are sent so a client reading either finds it.
    datacontentype: 'application/cloudevents',
    datacontenttype: 'application/cloudevents',
    time: e.time,
  });
  serialised.set(e, text);
  return text;
}

/** RFC 3339 with nanosecond digits from a millisecond clock (Go prints the fraction it has). */
export function eventTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}
