/**
 * `login` for the ec2 auth type, in Vault's order and with its texts: verify the instance
 * identity document (PKCS#7, or document + SHA256 RSA signature) against the registered
 * AWS certificates, pick the role (named, else the document's AMI ID), check its binds
 * against the signed document, then the identity access list and its nonce. Unlike Vault,
 * Ward asks EC2 DescribeInstances (running state, VPC, subnet, instance profile) only for
 * roles with binds that need it (ec2-api.ts); otherwise the signed document and the access
 * list are the whole proof (README).
 */
import { ipInCidrs } from '../../lib/cidr.js';
import { uuid } from '../../lib/ids.js';
import { KeyedMutex } from '../../lib/keyed-mutex.js';
import { badRequest, permissionDenied } from '../../sdk/errors.js';
import type { AuthSpec, AuthView, LogicalRequest, RenewResult } from '../../sdk/logical.js';
import { toAuthSpec } from '../token-fields.js';
import { describeInstance, Ec2ApiError, instanceProfileRole, type Ec2Instance } from './ec2-api.js';
import { loadAccessEntry, saveAccessEntry, validateReauth, type AccessListEntry } from './access-list.js';
import { certificatesOfType } from './path-certificate.js';
import { DEFAULT_EC2_METADATA, loadClientConfig, loadIdentityConfig } from './path-config.js';
import { ec2ApiBinds, loadRole, type AwsRole } from './path-role.js';
import { parsePkcs7, Pkcs7Error, verifyRsaSignature, verifySignedDocument } from './pkcs7.js';

export interface Ec2LoginInput {
  role: string;
  pkcs7?: string;
  identity?: string;
  signature?: string;
  /** undefined: not supplied (Ward makes one); "": the client disables reauthentication. */
  nonce?: string;
}

interface IdentityDocument {
  instanceId: string;
  accountId: string;
  region: string;
  imageId: string;
  pendingTime: string;
}

/** Vault's marker for "the client asked for no reauthentication". */
const REAUTH_DISABLED_NONCE = 'reauthentication-disabled-nonce';
const MAX_NONCE = 128;

async function verifiedDocument(req: LogicalRequest, input: Ec2LoginInput): Promise<IdentityDocument> {
  const identity = input.identity ? Buffer.from(input.identity, 'base64') : Buffer.alloc(0);
  if (input.identity && identity.length === 0) throw badRequest('failed to base64 decode the instance identity document');
  const signature = input.signature ? Buffer.from(input.signature, 'base64') : Buffer.alloc(0);
  const pkcs7 = input.pkcs7 ?? '';
  if (pkcs7 === '' && identity.length === 0 && signature.length === 0) {
    throw badRequest('either pkcs7 or a tuple containing the instance identity document and its SHA256 RSA signature needs to be provided');
  }
  if (pkcs7 !== '' && identity.length > 0 && signature.length > 0) {
    throw badRequest('both pkcs7 and a tuple containing the instance identity document and its SHA256 RSA signature is supplied; provide only one');
  }
  let content: Buffer;
  if (pkcs7 !== '') {
    let doc;
    try {
      doc = parsePkcs7(pkcs7);
    } catch (e) {
      if (e instanceof Pkcs7Error) throw badRequest(`failed to parse the BER encoded PKCS#7 signature: ${e.message}`);
      throw e;
    }
    const certs = await certificatesOfType(req.storage, 'pkcs7');
    if (certs.length === 0) throw badRequest('certificates to verify the signature are not found');
    if (!verifySignedDocument(doc, certs)) throw badRequest('failed to verify the signature');
    if (doc.content.length === 0) throw badRequest('instance identity document could not be found in the signature');
    content = doc.content;
  } else {
    if (identity.length === 0) throw badRequest('missing instance identity document');
    if (signature.length === 0) throw badRequest('missing SHA256 RSA signature of the instance identity document');
    const certs = await certificatesOfType(req.storage, 'identity');
    if (certs.length === 0) throw badRequest('certificates to verify the signature are not found');
    if (!verifyRsaSignature(identity, signature, certs)) throw badRequest('instance identity verification using SHA256 RSA signature is unsuccessful');
    content = identity;
  }
  return parseDocument(content);
}

function parseDocument(content: Buffer): IdentityDocument {
  let raw: unknown;
  try {
    raw = JSON.parse(content.toString('utf8'));
  } catch {
    throw badRequest('failed to parse the instance identity document');
  }
  const o = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const str = (k: string): string => (typeof o[k] === 'string' ? (o[k] as string) : '');
  const doc = { instanceId: str('instanceId'), accountId: str('accountId'), region: str('region'), imageId: str('imageId'), pendingTime: str('pendingTime') };
  if (doc.instanceId === '') throw badRequest('instance ID not found in the instance identity document');
  return doc;
}

/** The binds Vault checks on the instance, from the signed document; the refusal or null. */
function bindProblem(role: AwsRole, roleName: string, doc: { instanceId: string; accountId: string; imageId: string; region: string }): string | null {
  if ((role.boundRegions ?? []).length > 0 && !role.boundRegions!.includes(doc.region)) return `Region "${doc.region}" does not satisfy the constraint on role "${roleName}"`;
  if ((role.boundEc2InstanceIds ?? []).length > 0 && !role.boundEc2InstanceIds!.includes(doc.instanceId)) {
    return `Error validating instance: instance ID "${doc.instanceId}" does not belong to the role "${roleName}"`;
  }
  if (role.boundAccountIds.length > 0 && !role.boundAccountIds.includes(doc.accountId)) return `Error validating instance: account ID "${doc.accountId}" does not belong to role "${roleName}"`;
  if ((role.boundAmiIds ?? []).length > 0 && !role.boundAmiIds!.includes(doc.imageId)) return `Error validating instance: AMI ID "${doc.imageId}" does not belong to role "${roleName}"`;
  return null;
}

/**
 * One instance's access-list check and update at a time: two first logins with one
 * document (the instance and a copy of its document) must not both find no entry.
 */
const perInstance = new KeyedMutex();

/** A bound ARN matches exactly, or by prefix when it ends in `*`. */
const globMatch = (arn: string) => (b: string): boolean => (b.endsWith('*') ? arn.startsWith(b.slice(0, -1)) : b === arn);

/** The binds Vault checks against DescribeInstances' answer; the refusal or null. */
function instanceProblem(role: AwsRole, roleName: string, inst: Ec2Instance): string | null {
  if ((role.boundSubnetIds ?? []).length > 0 && !role.boundSubnetIds!.includes(inst.subnetId)) return `Error validating instance: subnet ID "${inst.subnetId}" does not satisfy the constraint on role "${roleName}"`;
  if ((role.boundVpcIds ?? []).length > 0 && !role.boundVpcIds!.includes(inst.vpcId)) return `Error validating instance: VPC ID "${inst.vpcId}" does not satisfy the constraint on role "${roleName}"`;
  const profiles = role.boundIamInstanceProfileArns ?? [];
  if (profiles.length > 0 && (inst.instanceProfileArn === '' || !profiles.some(globMatch(inst.instanceProfileArn)))) {
    return `Error validating instance: IAM instance profile ARN "${inst.instanceProfileArn}" does not satisfy the constraint role "${roleName}"`;
  }
  return null;
}

export async function ec2Login(req: LogicalRequest, input: Ec2LoginInput, maxLeaseTtl: number, o: { timeoutMs: number } = { timeoutMs: 10_000 }): Promise<AuthSpec> {
  const doc = await verifiedDocument(req, input);
  const roleName = (input.role !== '' ? input.role : doc.imageId).toLowerCase();
  const role = await loadRole(req.storage, roleName);
  if (!role) throw badRequest(`entry for role "${roleName}" not found`);
  if (role.authType !== 'ec2') throw badRequest(`auth method ec2 not allowed for role ${roleName}`);
  if (role.tokenBoundCidrs.length > 0 && !ipInCidrs(req.connection.remoteAddress, role.tokenBoundCidrs)) throw permissionDenied();
  const problem = bindProblem(role, roleName, doc);
  if (problem) throw badRequest(problem);
  if (ec2ApiBinds(role) > 0) {
    const client = await loadClientConfig(req.storage);
    let inst: Ec2Instance;
    try {
      inst = await describeInstance(client, doc.region, doc.instanceId, o);
    } catch (e) {
      if (e instanceof Ec2ApiError) throw badRequest(`failed to verify instance ID: ${e.message}`);
      throw e;
    }
    if (inst.state !== 'running') throw badRequest("failed to verify instance ID: instance is not in 'running' state");
    const refusal = instanceProblem(role, roleName, inst);
    if (refusal) throw badRequest(refusal);
    const roleArns = role.boundIamRoleArns ?? [];
    if (roleArns.length > 0) {
      if (inst.instanceProfileArn === '') throw badRequest('Error validating instance: IAM instance profile in the instance description is nil');
      let arn: string;
      try {
        arn = await instanceProfileRole(client, inst.instanceProfileArn, o);
      } catch (e) {
        if (e instanceof Ec2ApiError) throw badRequest(`Error validating instance: IAM role ARN could not be fetched: ${e.message}`);
        throw e;
      }
      if (!roleArns.some(globMatch(arn))) throw badRequest(`Error validating instance: IAM role ARN "${arn}" does not satisfy the constraint role "${roleName}"`);
    }
  }

  const { nonce, supplied, disallow } = await perInstance.run(`${req.mountAccessor}/${doc.instanceId}`, () => admit(req, input, doc, roleName, role, maxLeaseTtl));

  const identity = await loadIdentityConfig(req.storage);
  const available: Record<string, string> = { instance_id: doc.instanceId, region: doc.region, account_id: doc.accountId, ami_id: doc.imageId, auth_type: 'ec2' };
  const metadata: Record<string, string> = { role_tag_max_ttl: '0s', role: roleName };
  for (const k of identity.ec2Metadata ?? DEFAULT_EC2_METADATA) metadata[k] = available[k] ?? '';
  const alias = identity.ec2Alias === 'instance_id' ? doc.instanceId : identity.ec2Alias === 'image_id' ? doc.imageId : role.roleId;
  // Only a nonce Ward made goes back: the client must keep it for its next login.
  const shown = !disallow && !supplied ? { ...metadata, nonce } : metadata;
  return toAuthSpec(role, {
    displayName: doc.instanceId,
    metadata: shown,
    internalData: { auth_type: 'ec2', role_name: roleName, instance_id: doc.instanceId, account_id: doc.accountId, region: doc.region, ami_id: doc.imageId },
    alias: { name: alias, metadata },
  });
}

/** The access-list check and update of one login, under the instance's lock. */
async function admit(req: LogicalRequest, input: Ec2LoginInput, doc: IdentityDocument, roleName: string, role: AwsRole, maxLeaseTtl: number): Promise<{ nonce: string; supplied: boolean; disallow: boolean }> {
  const stored = await loadAccessEntry(req.storage, doc.instanceId);
  let disallow = role.disallowReauthentication ?? false;
  const supplied = input.nonce !== undefined;
  let nonce = input.nonce ?? '';
  if (supplied && nonce === '') {
    nonce = REAUTH_DISABLED_NONCE;
    disallow = true;
  }
  if (stored) {
    if (nonce === REAUTH_DISABLED_NONCE && !stored.disallowReauthentication) throw badRequest('reauthentication is disabled');
    const refusal = validateReauth(stored, nonce, doc.pendingTime, role.allowInstanceMigration ?? false);
    if (refusal) throw badRequest(refusal);
    disallow = disallow || stored.disallowReauthentication;
  }
  if (!supplied) nonce = uuid();
  if (nonce.length > MAX_NONCE && !disallow) throw badRequest(`client nonce exceeding the limit of ${MAX_NONCE} characters`);

  const now = new Date();
  // The entry outlives every token of the instance, so a replayed document stays refused.
  const longestMaxTtl = Math.max(role.tokenMaxTtl, maxLeaseTtl);
  const entry: AccessListEntry = {
    role: stored?.role ?? roleName,
    clientNonce: disallow ? '' : (stored?.clientNonce ?? nonce),
    creationTime: stored?.creationTime ?? now.toISOString(),
    disallowReauthentication: disallow,
    pendingTime: doc.pendingTime,
    expirationTime: new Date(now.getTime() + longestMaxTtl * 1000).toISOString(),
    lastUpdatedTime: now.toISOString(),
  };
  await saveAccessEntry(req.storage, doc.instanceId, entry);
  return { nonce, supplied, disallow };
}

/** Renewal: the role still exists, is ec2, still binds the instance, which is still on the access list. */
export async function renewEc2(req: LogicalRequest, auth: AuthView): Promise<RenewResult> {
  const str = (k: string): string => (typeof auth.internalData[k] === 'string' ? (auth.internalData[k] as string) : '');
  const roleName = str('role_name');
  const role = roleName === '' ? null : await loadRole(req.storage, roleName);
  if (!role || role.authType !== 'ec2') throw badRequest('role entry not found');
  const instanceId = str('instance_id');
  if (!(await loadAccessEntry(req.storage, instanceId))) throw badRequest(`failed to verify the access list identity entry for instance ID: "${instanceId}"`);
  const problem = bindProblem(role, roleName, { instanceId, accountId: str('account_id'), imageId: str('ami_id'), region: str('region') });
  if (problem) throw badRequest(problem);
  return { ttl: role.tokenTtl, maxTtl: role.tokenMaxTtl };
}
