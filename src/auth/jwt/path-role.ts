/** `role/<name>` and LIST `role`: what a JWT or OIDC login must prove, and the token it gets. */
import { definePath, genericName } from '../../sdk/framework/path.js';
import { putJSON } from '../../sdk/storage.js';
import { tokenFieldsResponse } from '../token-fields.js';
import { buildRole, loadRole, roleFields, roleKey, type JwtRole } from './role.js';

function view(r: JwtRole): Record<string, unknown> {
  return {
    role_type: r.roleType,
    bound_audiences: [...r.boundAudiences],
    bound_subject: r.boundSubject,
    bound_claims_type: r.boundClaimsType,
    bound_claims: Object.keys(r.boundClaims).length > 0 ? { ...r.boundClaims } : null,
    claim_mappings: Object.keys(r.claimMappings).length > 0 ? { ...r.claimMappings } : null,
    user_claim: r.userClaim,
    user_claim_json_pointer: r.userClaimJsonPointer,
    groups_claim: r.groupsClaim,
    oidc_scopes: [...r.oidcScopes],
    allowed_redirect_uris: [...r.allowedRedirectUris],
    verbose_oidc_logging: r.verboseOidcLogging,
    clock_skew_leeway: r.clockSkewLeeway,
    expiration_leeway: r.expirationLeeway,
    not_before_leeway: r.notBeforeLeeway,
    max_age: r.maxAge,
    ...tokenFieldsResponse(r, { legacy: true }),
  };
}

export const roleListPath = definePath({
  pattern: 'role/?',
  fields: {},
  synopsis: 'List the configured roles.',
  operations: {
    async list(req) {
      const keys = (await req.storage.list('role/')).filter((k) => !k.endsWith('/'));
      return { data: { keys } };
    },
  },
});

export const rolePath = definePath({
  pattern: `role/${genericName('name')}`,
  fields: roleFields,
  synopsis: 'Create, read, update and delete JWT/OIDC roles.',
  existenceCheck: async (req, d) => (await loadRole(req.storage, d.get('name'))) !== null,
  operations: {
    async read(req, d) {
      const r = await loadRole(req.storage, d.get('name'));
      return r ? { data: view(r) } : null;
    },
    async create(req, d) {
      await putJSON(req.storage, roleKey(d.get('name')), buildRole(d, null));
      return null;
    },
    async update(req, d) {
      const name = d.get('name');
      await putJSON(req.storage, roleKey(name), buildRole(d, await loadRole(req.storage, name)));
      return null;
    },
    async delete(req, d) {
      await req.storage.delete(roleKey(d.get('name')));
      return null;
    },
  },
});
