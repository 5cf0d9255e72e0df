/**
 * The identity store's state: every entity and group held in memory (Vault keeps them in
 * MemDB the same way), indexed by id, name and alias, and persisted one object per key
 * through the barrier. Mutations run one at a time (`exclusive`), so the uniqueness checks
 * the path handlers make hold until their write lands.
 *
 * `generation` is the one invalidation signal for everything derived from identity: it
 * is bumped by every change (local write or a reload a performance standby hears of), and
 * the effective-policy lists and templated ACLs built from identity are keyed on it.
 */
import type { Storage } from '../../sdk/storage.js';
import { getJSON, listRecursive, putJSON } from '../../sdk/storage.js';
import type { Entity, EntityAlias, Group, GroupAlias } from './types.js';

const ENTITY = 'entity/';
const GROUP = 'group/';

/** Names and alias names match case-insensitively, as Vault's identity store does by default. */
const fold = (s: string): string => s.toLowerCase();
const aliasKey = (mountAccessor: string, name: string): string => `${mountAccessor}\u0000${fold(name)}`;

export class IdentityStore {
  private readonly entities = new Map<string, Entity>();
  private readonly entityByName = new Map<string, string>();
  private readonly aliasById = new Map<string, string>();
  private readonly aliasByKey = new Map<string, string>();
  private readonly groups = new Map<string, Group>();
  private readonly groupByName = new Map<string, string>();
  private readonly groupAliasByKey = new Map<string, string>();
  private readonly groupAliasById = new Map<string, string>();
  private tail: Promise<unknown> = Promise.resolve();
  generation = 0;
  /** Reloads a performance standby started and has not finished; requests with an entity wait for it. */
  pending: Promise<void> | null = null;

  /** `storage` is a barrier view dedicated to identity (the core hands in `sys/identity/`). */
  constructor(private readonly storage: Storage) {}

  async load(): Promise<void> {
    for (const key of await listRecursive(this.storage, '')) await this.reload(key);
  }

  /** Re-reads one object (a performance standby heard that its key changed). */
  async reload(key: string): Promise<void> {
    if (key.startsWith(ENTITY)) {
      const id = key.slice(ENTITY.length);
      const e = await getJSON<Entity>(this.storage, key);
      this.unindexEntity(id);
      if (e) this.indexEntity(e);
    } else if (key.startsWith(GROUP)) {
      const id = key.slice(GROUP.length);
      const g = await getJSON<Group>(this.storage, key);
      this.unindexGroup(id);
      if (g) this.indexGroup(g);
    }
    this.generation++;
  }

  /**
   * Another node changed `key` (a performance standby heard it from the change stream):
   * the object is dropped at once and re-read behind; `pending` settles when it is back.
   */
  forget(key: string): void {
    if (key.startsWith(ENTITY)) this.unindexEntity(key.slice(ENTITY.length));
    else if (key.startsWith(GROUP)) this.unindexGroup(key.slice(GROUP.length));
    this.generation++;
    const run: Promise<void> = (this.pending ?? Promise.resolve()).then(() => this.reload(key)).catch(() => undefined);
    this.pending = run;
    void run.then(() => {
      if (this.pending === run) this.pending = null;
    });
  }

  /** Runs `fn` after every earlier mutation finished: checks and writes do not interleave. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  entity(id: string): Entity | undefined {
    return this.entities.get(id);
  }
  entityNamed(name: string): Entity | undefined {
    const id = this.entityByName.get(fold(name));
    return id === undefined ? undefined : this.entities.get(id);
  }
  allEntities(): Entity[] {
    return [...this.entities.values()];
  }
  aliasWithId(id: string): { entity: Entity; alias: EntityAlias } | undefined {
    const e = this.entities.get(this.aliasById.get(id) ?? '');
    const alias = e?.aliases.find((a) => a.id === id);
    return e && alias ? { entity: e, alias } : undefined;
  }
  aliasNamed(mountAccessor: string, name: string): { entity: Entity; alias: EntityAlias } | undefined {
    const id = this.aliasByKey.get(aliasKey(mountAccessor, name));
    return id === undefined ? undefined : this.aliasWithId(id);
  }
  group(id: string): Group | undefined {
    return this.groups.get(id);
  }
  groupNamed(name: string): Group | undefined {
    const id = this.groupByName.get(fold(name));
    return id === undefined ? undefined : this.groups.get(id);
  }
  allGroups(): Group[] {
    return [...this.groups.values()];
  }
  groupAliasWithId(id: string): { group: Group; alias: GroupAlias } | undefined {
    const g = this.groups.get(this.groupAliasById.get(id) ?? '');
    return g?.alias ? { group: g, alias: g.alias } : undefined;
  }
  groupAliasNamed(mountAccessor: string, name: string): { group: Group; alias: GroupAlias } | undefined {
    const id = this.groupAliasByKey.get(aliasKey(mountAccessor, name));
    return id === undefined ? undefined : this.groupAliasWithId(id);
  }

  async putEntity(e: Entity): Promise<void> {
    await putJSON(this.storage, ENTITY + e.id, e);
    this.unindexEntity(e.id);
    this.indexEntity(e);
    this.generation++;
  }
  async deleteEntity(id: string): Promise<void> {
    await this.storage.delete(ENTITY + id);
    this.unindexEntity(id);
    this.generation++;
  }
  async putGroup(g: Group): Promise<void> {
    await putJSON(this.storage, GROUP + g.id, g);
    this.unindexGroup(g.id);
    this.indexGroup(g);
    this.generation++;
  }
  async deleteGroup(id: string): Promise<void> {
    await this.storage.delete(GROUP + id);
    this.unindexGroup(id);
    this.generation++;
  }

  private indexEntity(e: Entity): void {
    this.entities.set(e.id, e);
    this.entityByName.set(fold(e.name), e.id);
    for (const a of e.aliases) {
      this.aliasById.set(a.id, e.id);
      this.aliasByKey.set(aliasKey(a.mountAccessor, a.name), a.id);
    }
  }
  private unindexEntity(id: string): void {
    const old = this.entities.get(id);
    if (!old) return;
    this.entities.delete(id);
    if (this.entityByName.get(fold(old.name)) === id) this.entityByName.delete(fold(old.name));
    for (const a of old.aliases) {
      this.aliasById.delete(a.id);
      const k = aliasKey(a.mountAccessor, a.name);
      if (this.aliasByKey.get(k) === a.id) this.aliasByKey.delete(k);
    }
  }
  private indexGroup(g: Group): void {
    this.groups.set(g.id, g);
    this.groupByName.set(fold(g.name), g.id);
    if (g.alias) {
      this.groupAliasById.set(g.alias.id, g.id);
      this.groupAliasByKey.set(aliasKey(g.alias.mountAccessor, g.alias.name), g.alias.id);
    }
  }
  private unindexGroup(id: string): void {
    const old = this.groups.get(id);
    if (!old) return;
    this.groups.delete(id);
    if (this.groupByName.get(fold(old.name)) === id) this.groupByName.delete(fold(old.name));
    if (old.alias) {
      this.groupAliasById.delete(old.alias.id);
      const k = aliasKey(old.alias.mountAccessor, old.alias.name);
      if (this.groupAliasByKey.get(k) === old.alias.id) this.groupAliasByKey.delete(k);
    }
  }
}
