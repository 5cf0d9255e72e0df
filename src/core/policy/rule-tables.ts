/**
 * The tables an ACL is compiled from, filled one rule at a time: exact patterns, `*`
 * globs (keyed without the `*`) and `+` patterns. Rules naming a pattern already seen
 * merge into its permissions. Kept apart from the ACL so a large policy set can be fed
 * in slices with the event loop free in between (ACL.compile).
 */
import type { PathRule } from './parse.js';
import { fromRule, merge, type Permissions } from './permissions.js';

export class RuleTables {
  readonly exact = new Map<string, Permissions>();
  readonly prefix = new Map<string, Permissions>();
  readonly segments = new Map<string, Permissions>();

  add(rule: PathRule, policy: string): void {
    // Templated paths need identity data we do not have; an unresolved template means
    // the rule is ignored, as in Vault.
    if (rule.path.includes('{{')) return;
    const [table, key] = this.classify(rule.path);
    const existing = table.get(key);
    if (existing) merge(existing, rule, policy);
    else table.set(key, fromRule(rule, policy));
  }

  private classify(pattern: string): [Map<string, Permissions>, string] {
    if (pattern === '+' || pattern.startsWith('+/') || pattern.includes('/+')) return [this.segments, pattern];
    if (pattern.endsWith('*')) return [this.prefix, pattern.slice(0, -1)];
    return [this.exact, pattern];
  }
}
