/** The OIDC provider's paths (identity/oidc/{assignment,scope,client,provider}/…): configuration and flow. */
import type { Fields } from '../../sdk/framework/fields.js';
import type { PathDef } from '../../sdk/framework/path.js';
import { providerConfigPaths } from './oidc-provider-paths-config.js';
import { providerFlowPaths } from './oidc-provider-paths-flow.js';
import type { OidcDeps } from './paths-oidc.js';

export const providerPaths = (deps: OidcDeps): PathDef<Fields>[] => [...providerConfigPaths(deps), ...providerFlowPaths(deps)];
