/**
 * A record's `auth` object (in a request record, and in a login's response), tokens and
 * accessors through the device's hasher. The same for every request made with one token,
 * so each auth object is serialised once and spliced in.
 */
import type { AuditAuth } from './types.js';
import type { FieldHasher } from './record-hash.js';
import { list, num, str } from './record-fields.js';

export class AuthPart {
  private readonly fragments = new WeakMap<AuditAuth, string>();

  constructor(private readonly fields: FieldHasher) {}

  json(a: AuditAuth): string {
    let json = this.fragments.get(a);
    if (json === undefined) {
      json = JSON.stringify(this.object(a));
      this.fragments.set(a, json);
    }
    return json;
  }

  private object(a: AuditAuth): Record<string, unknown> {
    const pr = a.policyResults;
    return {
      client_token: this.fields.token(a.clientToken),
      accessor: this.fields.accessor(a.accessor),
      display_name: str(a.displayName),
      policies: list(a.policies),
      token_policies: list(a.tokenPolicies),
      identity_policies: list(a.identityPolicies),
      metadata: a.metadata && Object.keys(a.metadata).length > 0 ? a.metadata : undefined,
      entity_id: str(a.entityId),
      token_type: str(a.tokenType),
      token_ttl: num(a.tokenTtl),
      token_issue_time: str(a.tokenIssueTime),
      num_uses: num(a.numUses),
      remaining_uses: num(a.remainingUses),
      policy_results: pr ? { allowed: pr.allowed, granting_policies: list(pr.grantingPolicies) } : undefined,
    };
  }
}
