/** The VSO custom resource types the operator reads and the labels it writes. */
import type { CustomResource } from '../kube/list-watch.js';

export const GROUP = 'secrets.hashicorp.com';
export const VERSION = 'v1beta1';
export const API_VERSION = `${GROUP}/${VERSION}`;

export const VAULT_STATIC_SECRETS: CustomResource = { group: GROUP, version: VERSION, plural: 'vaultstaticsecrets' };
export const VAULT_AUTHS: CustomResource = { group: GROUP, version: VERSION, plural: 'vaultauths' };
export const VAULT_AUTH_GLOBALS: CustomResource = { group: GROUP, version: VERSION, plural: 'vaultauthglobals' };
export const VAULT_CONNECTIONS: CustomResource = { group: GROUP, version: VERSION, plural: 'vaultconnections' };
export const VAULT_DYNAMIC_SECRETS: CustomResource = { group: GROUP, version: VERSION, plural: 'vaultdynamicsecrets' };
export const VAULT_PKI_SECRETS: CustomResource = { group: GROUP, version: VERSION, plural: 'vaultpkisecrets' };
export const SECRET_TRANSFORMATIONS: CustomResource = { group: GROUP, version: VERSION, plural: 'secrettransformations' };

/** VSO's labels on the Secrets it creates (dashboards and selectors written for VSO keep working). */
export const MANAGED_BY = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'hashicorp-vso';
export const OWNER_UID_LABEL = 'secrets.hashicorp.com/vso-ownerRefUID';
export function ownedLabels(uid: string): Record<string, string> {
  return {
    [MANAGED_BY]: MANAGED_BY_VALUE,
    'app.kubernetes.io/name': 'vault-secrets-operator',
    'app.kubernetes.io/component': 'secret-sync',
    [OWNER_UID_LABEL]: uid,
  };
}

/** The pod-template annotation VSO sets to restart a workload. */
export const RESTARTED_AT = 'vso.secrets.hashicorp.com/restartedAt';
