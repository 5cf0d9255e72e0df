/**
 * Stores ACL policies and hands out compiled ACLs. Parsed policies stay in memory after
 * first load, and compiled ACLs are cached by policy set, because `acl()` runs on every
 * request: a cache hit never touches storage. Any write or delete drops the ACL cache.
 * Large documents are parsed off the event loop and compiled in slices, so neither a
 * big write nor the first request that needs a big policy stalls other requests.
 *
 * A token with an identity entity asks with its identity (`IdentityForAcl`): its templated
 * paths are resolved for that entity and the ACL is cached under the policy names plus the
 * identity's key (entity id and identity-store generation), so any identity change yields
 * a new key and a stale templated ACL is never served; old ones age out of the bounded
 * cache. Tokens without an entity are untouched by this: same key, same cost.
 */
import { badRequest } from '../../sdk/errors.js';
import { getJSON, listRecursive, putJSON, type Storage } from '../../sdk/storage.js';
import { ACL } from './acl.js';
import {
  DEFAULT_POLICY,
  DEFAULT_POLICY_NAME,
  RESPONSE_WRAPPING_POLICY,
  RESPONSE_WRAPPING_POLICY_NAME,
  ROOT_POLICY_NAME,
} from './builtin.js';
import { parsePolicyOffLoop } from './parse-off-loop.js';
import { parsePolicy, policyText, type Policy } from './parse.js';
import { resolvePolicy, type TemplateIdentity } from './template.js';

/** What templated paths are resolved with, and the cache key naming that identity's state. */
export interface IdentityForAcl {
  key: string;
  template(): TemplateIdentity;
}

/**
 * Keys are policy names at the root of the given storage, which must hold nothing else:
 * the core hands in a view at `sys/policy/`, the same layout Vault uses.
 */
const PREFIX = '';

/**
 * The largest policy document accepted, in bytes after base64 decoding. Vault has no
 * bound of its own but stores a policy as one entry, which its integrated storage caps
 * at 1 MiB by default (max_entry_size); Ward uses the same figure.
 */
export const MAX_POLICY_BYTES = 1024 * 1024;

/** Bounds the ACL cache; distinct policy sets in use are normally few. */
const MAX_CACHED_ACLS = 1024;

interface StoredPolicy {
  version: 1;
  name: string;
  raw: string;
}

const ROOT_POLICY: Policy = Object.freeze({ name: ROOT_POLICY_NAME, raw: '', rules: [] });

/** Policy names are case-insensitive and stored lower-cased. */
const normalize = (name: string): string => name.trim().toLowerCase();

export class PolicyStore {
  private readonly policies = new Map<string, Policy>();
  private readonly acls = new Map<string, ACL>();
  /**
   * The ACL last found for one list object, by identity: every request asks with its
   * token's `policies` list, and normalising, sorting and joining it to find the cached
   * ACL by name cost more than the policy check itself. Lists are never changed in place.
   */
  private readonly aclsByList = new WeakMap<readonly string[], { generation: number; acl: ACL }>();
  /**
   * Bumped on every change. Loads that started before a change do not populate the
   * caches, so a slow read can never re-insert a policy that was just replaced.
   */
  private generation = 0;
  /** Loads and compilations under way, shared by concurrent callers. */
  private readonly loading = new Map<string, Promise<Policy | null>>();
  private readonly compiling = new Map<string, Promise<ACL>>();
  /** Per policy name, the last write or delete: later ones apply after it, in arrival order. */
  private readonly tails = new Map<string, Promise<unknown>>();

  /**
   * `storage` is dedicated to policies (see PREFIX); `onChanged` runs after any policy
   * changed (event subscriptions check their tokens' access again).
   */
  constructor(
    private readonly storage: Storage,
    private readonly onChanged?: () => void,
  ) {}

  /** Writes the built-in policies: `default` only if absent (it may have been edited). */
  async setup(): Promise<void> {
    if ((await this.load(DEFAULT_POLICY_NAME)) === null) {
      await this.write(parsePolicy(DEFAULT_POLICY_NAME, DEFAULT_POLICY));
    }
    const wrapping = await this.load(RESPONSE_WRAPPING_POLICY_NAME);
    if (wrapping === null || wrapping.raw !== RESPONSE_WRAPPING_POLICY) {
      await this.write(parsePolicy(RESPONSE_WRAPPING_POLICY_NAME, RESPONSE_WRAPPING_POLICY));
    }
  }

  /** The named policy, `root` as an empty placeholder, or null when there is none. */
  async get(name: string): Promise<Policy | null> {
    const n = normalize(name);
    if (n === ROOT_POLICY_NAME) return ROOT_POLICY;
    return this.load(n);
  }

  /** Creates or replaces a policy. Returns warnings to pass on to the client. */
  async set(name: string, text: string): Promise<{ warnings: string[] }> {
    const n = normalize(name);
    if (n === '') throw badRequest('policy name must be provided');
    if (n === ROOT_POLICY_NAME || n === RESPONSE_WRAPPING_POLICY_NAME) {
      throw badRequest(`cannot update "${n}" policy`);
    }
    if (text.trim() === '') throw badRequest("'policy' parameter not supplied or empty");
    // Measured cheaply first so an absurd body is never decoded.
    const size = Buffer.byteLength(text) <= 2 * MAX_POLICY_BYTES ? Buffer.byteLength(policyText(text)) : Buffer.byteLength(text);
    if (size > MAX_POLICY_BYTES) throw badRequest(`policy is too large: ${size} bytes; the limit is ${MAX_POLICY_BYTES} bytes`);
    const warnings: string[] = [];
    if (n !== name.trim()) warnings.push(`policy name was converted to ${n}`);
    // Parsing starts at once; storing waits for earlier writes of the same name. Its
    // failure is handled when that turn comes; the empty catch only keeps a rejection
    // that lands before then from counting as unhandled (which would end the process).
    const parsed = parsePolicyOffLoop(n, text);
    parsed.catch(() => undefined);
    await this.inOrder(n, async () => this.write(await parsed));
    return { warnings };
  }

  /** Deletes a policy; deleting one that does not exist succeeds. */
  async delete(name: string): Promise<void> {
    const n = normalize(name);
    if (n === ROOT_POLICY_NAME || n === DEFAULT_POLICY_NAME || n === RESPONSE_WRAPPING_POLICY_NAME) {
      throw badRequest(`cannot delete "${n}" policy`);
    }
    await this.inOrder(n, async () => {
      await this.storage.delete(PREFIX + n);
      this.changed();
      this.policies.delete(n);
    });
  }

  /**
   * Drops what is known of `name` (another node changed it; a performance standby hears of
   * it from the change stream): the next use reads it from storage again.
   */
  forget(name: string): void {
    this.changed();
    this.policies.delete(normalize(name));
  }

  /** Every assignable policy name, sorted, including `root` (not `response-wrapping`). */
  async list(): Promise<string[]> {
    const keys = (await listRecursive(this.storage, PREFIX)).map((k) => k.slice(PREFIX.length));
    const names = new Set(keys.filter((k) => k !== RESPONSE_WRAPPING_POLICY_NAME));
    names.add(ROOT_POLICY_NAME);
    return [...names].sort();
  }

  async exists(name: string): Promise<boolean> {
    return (await this.get(name)) !== null;
  }

  /** The ACL `acl` would return, when this very list was compiled since the last policy change. */
  aclCached(policyNames: readonly string[]): ACL | undefined {
    const known = this.aclsByList.get(policyNames);
    return known !== undefined && known.generation === this.generation ? known.acl : undefined;
  }

  /**
   * The compiled ACL for a token's policy names. Names that do not exist contribute
   * nothing (deny). `root` anywhere in the set yields the all-powerful root ACL.
   */
  async acl(policyNames: readonly string[], identity?: IdentityForAcl): Promise<ACL> {
    const known = this.aclCached(policyNames);
    if (known !== undefined) return known;
    const names = [...new Set(policyNames.map(normalize))].filter((n) => n !== '').sort();
    const key = identity ? `${names.join('\n')}\u0000${identity.key}` : names.join('\n');
    const hit = this.acls.get(key);
    if (hit) {
      this.aclsByList.set(policyNames, { generation: this.generation, acl: hit });
      return hit;
    }

    const running = this.compiling.get(key);
    if (running) return running;
    const generation = this.generation;
    const compile = (async (): Promise<ACL> => {
      const policies: Policy[] = [];
      if (names.includes(ROOT_POLICY_NAME)) {
        policies.push(ROOT_POLICY);
      } else {
        for (const n of names) {
          const p = await this.load(n);
          if (p) policies.push(identity ? resolvePolicy(p, identity.template()) : p);
        }
      }
      const acl = await ACL.compile(policies);
      if (generation === this.generation) {
        if (this.acls.size >= MAX_CACHED_ACLS) {
          const oldest = this.acls.keys().next();
          if (!oldest.done) this.acls.delete(oldest.value);
        }
        this.acls.set(key, acl);
        this.aclsByList.set(policyNames, { generation, acl });
      }
      return acl;
    })();
    this.compiling.set(key, compile);
    try {
      return await compile;
    } finally {
      if (this.compiling.get(key) === compile) this.compiling.delete(key);
    }
  }

  private load(n: string): Promise<Policy | null> {
    const cached = this.policies.get(n);
    if (cached) return Promise.resolve(cached);
    const running = this.loading.get(n);
    if (running) return running;
    const generation = this.generation;
    const load = (async (): Promise<Policy | null> => {
      const entry = await getJSON<StoredPolicy>(this.storage, PREFIX + n);
      if (!entry) return null;
      const policy = await parsePolicyOffLoop(n, entry.raw);
      if (generation === this.generation) this.policies.set(n, policy);
      return policy;
    })().finally(() => {
      if (this.loading.get(n) === load) this.loading.delete(n);
    });
    this.loading.set(n, load);
    return load;
  }

  private async inOrder<T>(n: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(n) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.tails.set(n, tail);
    try {
      return await run;
    } finally {
      if (this.tails.get(n) === tail) this.tails.delete(n);
    }
  }

  private async write(policy: Policy): Promise<void> {
    const entry: StoredPolicy = { version: 1, name: policy.name, raw: policy.raw };
    await putJSON(this.storage, PREFIX + policy.name, entry);
    this.changed();
    this.policies.set(policy.name, policy);
  }

  private changed(): void {
    this.generation++;
    this.acls.clear();
    // Loads and compilations under way may have read the old text: later callers start afresh.
    this.loading.clear();
    this.compiling.clear();
    // Deferred: callers update `policies` right after this returns.
    if (this.onChanged) queueMicrotask(this.onChanged);
  }
}
