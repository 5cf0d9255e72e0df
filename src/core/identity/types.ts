/**
 * The identity store's records as persisted. Aliases live inside their entity and a group
 * alias inside its group (as in Vault), so one storage key holds one whole object and a
 * performance standby reloads exactly what changed. Times are RFC 3339 strings.
 */

export interface EntityAlias {
  id: string;
  canonicalId: string;
  mountAccessor: string;
  name: string;
  metadata: Record<string, string>;
  customMetadata: Record<string, string>;
  creationTime: string;
  lastUpdateTime: string;
  mergedFromCanonicalIds: string[];
}

export interface Entity {
  id: string;
  name: string;
  metadata: Record<string, string>;
  policies: string[];
  disabled: boolean;
  aliases: EntityAlias[];
  mergedEntityIds: string[];
  creationTime: string;
  lastUpdateTime: string;
}

export interface GroupAlias {
  id: string;
  canonicalId: string;
  mountAccessor: string;
  name: string;
  creationTime: string;
  lastUpdateTime: string;
}

export interface Group {
  id: string;
  name: string;
  type: 'internal' | 'external';
  metadata: Record<string, string>;
  policies: string[];
  memberEntityIds: string[];
  memberGroupIds: string[];
  alias: GroupAlias | null;
  creationTime: string;
  lastUpdateTime: string;
  modifyIndex: number;
}

/** The mount an alias names, for its read view (mount_path, mount_type). */
export interface MountInfo {
  path: string;
  type: string;
}
