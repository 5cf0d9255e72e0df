/**
 * OpenSSH certificates (PROTOCOL.certkeys): the subject's public key fields, serial,
 * type, key id, principals, validity, critical options and extensions, then the CA's
 * public key and its signature over everything before it.
 */
import type { KeyObject } from 'node:crypto';
import { sshSign, type SshPublicKey } from './keys.js';
import { packOptions, packStrings, WireReader, WireWriter } from './wire.js';

export const USER_CERT = 1;
export const HOST_CERT = 2;

export interface CertSpec {
  subject: SshPublicKey;
  serial: bigint;
  certType: typeof USER_CERT | typeof HOST_CERT;
  keyId: string;
  principals: string[];
  /** Unix seconds. */
  validAfter: bigint;
  validBefore: bigint;
  criticalOptions: Record<string, string>;
  extensions: Record<string, string>;
}

export interface CaSigner {
  priv: KeyObject;
  pub: SshPublicKey;
  /** Signature algorithm, e.g. `rsa-sha2-256`, `ssh-ed25519`. */
  algorithm: string;
}

/** Builds and signs a certificate; returns the certificate's wire blob. */
export function signCertificate(spec: CertSpec, ca: CaSigner, nonce: Buffer): Buffer {
  const subject = new WireReader(spec.subject.blob);
  subject.text();
  const body = new WireWriter()
    .string(`${spec.subject.type}-cert-v01@openssh.com`)
    .string(nonce)
    .raw(subject.rest())
    .uint64(spec.serial)
    .uint32(spec.certType)
    .string(spec.keyId)
    .string(packStrings(spec.principals))
    .uint64(spec.validAfter)
    .uint64(spec.validBefore)
    .string(packOptions(spec.criticalOptions))
    .string(packOptions(spec.extensions))
    .string('')
    .string(ca.pub.blob)
    .bytes();
  return Buffer.concat([body, new WireWriter().string(sshSign(ca.priv, ca.pub, ca.algorithm, body)).bytes()]);
}

/** The authorized_keys form Vault returns as `signed_key`. */
export function certificateText(blob: Buffer): string {
  return `${new WireReader(blob).text()} ${blob.toString('base64')}\n`;
}
