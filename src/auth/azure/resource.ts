/**
 * Which Azure resource a managed-identity token speaks for, and whether a role admits it.
 * Vault asks Azure's Compute API whether the named VM or scale set carries the token's
 * identity; Ward has no Compute access and uses the token's own `xms_mirid` claim (the
 * resource ID Azure stamps into managed-identity tokens) instead. Pure.
 */

export interface MiResource {
  subscriptionId: string;
  resourceGroup: string;
  vmName: string;
  vmssName: string;
}

export interface LoginResource {
  subscriptionId: string;
  resourceGroupName: string;
  vmName: string;
  vmssName: string;
}

export interface ResourceBounds {
  boundSubscriptionIds: string[];
  boundResourceGroups: string[];
  boundScaleSets: string[];
}

export class ResourceError extends Error {}

const MIRID = /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.compute\/(virtualmachines|virtualmachinescalesets)\/([^/]+)$/i;

/** Null when the claim is absent or names something other than a VM or scale set (e.g. a user-assigned identity). */
export function parseMirid(mirid: string): MiResource | null {
  const m = MIRID.exec(mirid);
  if (!m) return null;
  const isVmss = (m[3] ?? '').toLowerCase() === 'virtualmachinescalesets';
  return { subscriptionId: m[1] ?? '', resourceGroup: m[2] ?? '', vmName: isVmss ? '' : (m[4] ?? ''), vmssName: isVmss ? (m[4] ?? '') : '' };
}

const eq = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
const inList = (list: readonly string[], v: string): boolean => list.some((x) => eq(x, v));

/** The resource the login stands for: the claim, with every supplied login field required to agree with it. */
export function verifyResource(p: LoginResource, mi: MiResource | null, b: ResourceBounds): MiResource {
  if (mi === null) {
    // No claim to check the login fields against (an app's token, a user-assigned identity's):
    // as Vault, a role without resource binds does not look at the resource (Vault returns
    // early); its binds are refused below. The fields stay unverified, so none is kept.
    if (b.boundSubscriptionIds.length > 0) throw new ResourceError('subscription not authorized');
    if (b.boundResourceGroups.length > 0) throw new ResourceError('resource group not authorized');
    if (b.boundScaleSets.length > 0) throw new ResourceError('scale set not authorized');
    return { subscriptionId: '', resourceGroup: '', vmName: '', vmssName: '' };
  }
  if (p.subscriptionId !== '' && !eq(p.subscriptionId, mi.subscriptionId)) throw new ResourceError("subscription_id does not match the token's xms_mirid");
  if (p.resourceGroupName !== '' && !eq(p.resourceGroupName, mi.resourceGroup)) throw new ResourceError("resource_group_name does not match the token's xms_mirid");
  if (p.vmssName !== '') {
    if (!eq(p.vmssName, mi.vmssName)) throw new ResourceError("vmss_name does not match the token's xms_mirid");
  } else if (p.vmName !== '' && !eq(p.vmName, mi.vmName)) throw new ResourceError("vm_name does not match the token's xms_mirid");
  if (b.boundSubscriptionIds.length > 0 && !inList(b.boundSubscriptionIds, mi.subscriptionId)) throw new ResourceError('subscription not authorized');
  if (b.boundResourceGroups.length > 0 && !inList(b.boundResourceGroups, mi.resourceGroup)) throw new ResourceError('resource group not authorized');
  if (b.boundScaleSets.length > 0 && !inList(b.boundScaleSets, mi.vmssName)) throw new ResourceError('scale set not authorized');
  return mi;
}
