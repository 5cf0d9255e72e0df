/**
 * What a backend publishes change events through (Vault's `logical.EventSender`). The
 * core hands each mount one that knows the mount (path, accessor, plugin); the backend
 * names only the event type and its metadata. Events carry no secret data: paths,
 * versions and the operation, never values. Sending never blocks and never fails the
 * request: delivery is best effort, after the change is committed.
 */
export interface EventSender {
  /**
   * `eventType` without the plugin prefix's mount (e.g. `kv-v2/data-write`); `metadata`
   * paths (`path`, `data_path`) relative to the mount, as the backend sees them: the core
   * prefixes the mount path, as Vault's event bus does.
   */
  send(eventType: string, metadata: Readonly<Record<string, string>>): void;
}

/** A sender that drops everything (backends built outside a core, unit tests). */
export const noEvents: EventSender = { send() {} };
