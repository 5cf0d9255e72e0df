/**
 * azure auto-auth: on an Azure VM or scale set, asks the Instance Metadata Service (IMDS)
 * for the machine's compute metadata and for a managed-identity access token for
 * `resource` (a user-assigned identity chosen by `object_id` or `client_id`), then logs in
 * at `auth/<mount>/login` with the token and the machine's subscription, resource group,
 * VM and scale-set names, as Vault's agent does. A fresh token is fetched at every login.
 * With `authenticate_from_environment` the token comes from the environment's credential
 * for `scope` instead (azure-env-credential.ts); the machine fields still come from IMDS.
 *
 * `WARD_TEST_AZURE_IMDS_URL` (test only) replaces IMDS's address, so the tests can point
 * the agent at a local IMDS (test/fakes/azure/imds.ts); nothing else should set it.
 */
import type { WardClient } from '../../api/index.js';
import type { Stanza } from '../config-read.js';
import { fromAuth, type AuthMethod, type AuthResult } from './method.js';
import { environmentToken, imdsToken } from './azure-env-credential.js';
import { metadataGet } from './metadata-http.js';

export const IMDS_URL = 'http://169.254.169.254';
export const IMDS_URL_ENV = 'WARD_TEST_AZURE_IMDS_URL';
/** The IMDS version Vault's agent asks for (the first with identity tokens). */
const API_VERSION = '2018-02-01';

export interface AzureParams {
  type: 'azure';
  role: string;
  resource: string;
  objectId?: string;
  clientId?: string;
  /** authenticate_from_environment: the token from the Azure SDK's environment credential chain. */
  fromEnvironment?: true;
  /** The scope that credential asks for (Vault: `scope`, default `<resource>/.default`). */
  scope?: string;
}

/** `method "azure" { config = { role resource object_id client_id scope } }`. */
export function parseAzureParams(x: Stanza): AzureParams {
  x.checkKeys(['role', 'resource', 'object_id', 'client_id', 'scope', 'authenticate_from_environment']);
  const p: AzureParams = { type: 'azure', role: x.need('role'), resource: x.need('resource') };
  if (x.bool('authenticate_from_environment') === true) {
    p.fromEnvironment = true;
    p.scope = x.str('scope') || `${p.resource}/.default`;
  }
  const objectId = x.str('object_id');
  const clientId = x.str('client_id');
  if (objectId && clientId) throw x.error('only one of object_id or client_id may be provided', 'client_id');
  if (objectId) p.objectId = objectId;
  if (clientId) p.clientId = clientId;
  return p;
}

/** The compute fields of IMDS's instance document that the login needs. */
interface Compute {
  name?: string;
  resourceGroupName?: string;
  subscriptionId?: string;
  vmScaleSetName?: string;
}

export class AzureMethod implements AuthMethod {
  readonly name = 'azure';
  constructor(
    private readonly mount: string,
    private readonly p: AzureParams,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  async authenticate(client: WardClient): Promise<AuthResult> {
    const base = (this.env[IMDS_URL_ENV] || IMDS_URL).replace(/\/+$/, '');
    const instance = await metadataGet(`${base}/metadata/instance?${new URLSearchParams({ 'api-version': API_VERSION, format: 'json' })}`, { Metadata: 'true' }, 'Azure IMDS instance metadata');
    const compute = ((instance as { compute?: Compute } | null)?.compute ?? {}) as Compute;
    const jwt = this.p.fromEnvironment
      ? await environmentToken(this.env, this.p.scope ?? `${this.p.resource}/.default`, imdsToken(base, API_VERSION))
      : await imdsToken(base, API_VERSION, this.p.objectId ? { object_id: this.p.objectId } : {})(this.p.resource, this.p.clientId);
    const res = await client.login(this.mount, {
      role: this.p.role,
      jwt,
      subscription_id: compute.subscriptionId ?? '',
      resource_group_name: compute.resourceGroupName ?? '',
      vm_name: compute.name ?? '',
      vmss_name: compute.vmScaleSetName ?? '',
    });
    return fromAuth(res.body, `auth/${this.mount}/login`);
  }
}
