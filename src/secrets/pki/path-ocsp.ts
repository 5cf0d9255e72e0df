/**
 * The OCSP responder (RFC 6960), unauthenticated as in Vault: `POST ocsp` with an
 * application/ocsp-request body, or `GET ocsp/<base64 request>`. Answers good, revoked or
 * unknown for the first CertID only (as Vault, whose Go parser reads only that one),
 * signed by an issuer the CertID names that holds its key here and has the ocsp-signing
 * usage (one key and subject can back several issuers after a rotation on an existing
 * key; any of them may vouch for the others). Unauthorized when the named issuers may not
 * sign OCSP answers (RFC 5019 §2.2.3, as Vault), when this mount does not hold the issuer,
 * or while `ocsp_disable` is set; malformedRequest for anything that is not a request.
 */
import { createPrivateKey, sign } from 'node:crypto';
import { field, type Fields } from '../../sdk/framework/fields.js';
import { definePath, matchAll, type PathDef } from '../../sdk/framework/path.js';
import type { LogicalResponse, Logger } from '../../sdk/logical.js';
import { getJSON, type Storage } from '../../sdk/storage.js';
import { signingIssuers } from './crl.js';
import { crlTimes, readCrlConfig } from './crl-config.js';
import { serialKey } from './format.js';
import { describeKey } from './keys.js';
import {
  certIdMatchesIssuer,
  MalformedOcspRequest,
  OCSP_INTERNAL_ERROR,
  OCSP_MALFORMED,
  OCSP_UNAUTHORIZED,
  parseOcspRequest,
  responseData,
  signatureAlgorithm,
  successfulResponse,
  type CertStatus,
} from './ocsp-der.js';
import { usageOf } from './registry.js';
import { certPath, requireKey, revokedPath, type CertRecord, type RevokedRecord } from './store.js';

export const OCSP_UNAUTHENTICATED_PATHS = ['ocsp', 'ocsp/*'];

/** An OCSP request is a few hundred bytes; this bounds what a client can make us hold. */
const MAX_REQUEST_BYTES = 64 * 1024;

const CONTENT_TYPE = 'application/ocsp-response';
const answer = (status: number, body: Buffer): LogicalResponse => ({ raw: { status, contentType: CONTENT_TYPE, body } });

const pemDer = (pem: string): Buffer => Buffer.from(pem.replace(/-----(BEGIN|END) [^-]+-----/g, '').replace(/\s+/g, ''), 'base64');

/** The serial's status as seen by `issuerIds` (the issuers the CertID names): unknown when another issuer signed it. */
async function statusOf(s: Storage, issuerIds: Set<string>, serialHex: string): Promise<CertStatus> {
  const key = serialKey(serialHex);
  const revoked = await getJSON<RevokedRecord>(s, revokedPath(key));
  if (revoked) return issuerIds.has(revoked.issuerId) ? { status: 'revoked', revokedAt: new Date(revoked.revocationTime * 1000) } : { status: 'unknown' };
  const rec = await getJSON<CertRecord>(s, certPath(key));
  return rec && issuerIds.has(rec.issuerId) ? { status: 'good' } : { status: 'unknown' };
}

export async function ocspAnswer(s: Storage, der: Buffer, now = new Date()): Promise<LogicalResponse> {
  let req;
  try {
    req = parseOcspRequest(der);
  } catch (e) {
    if (e instanceof MalformedOcspRequest) return answer(400, OCSP_MALFORMED);
    throw e;
  }
  const config = await readCrlConfig(s);
  if (config.ocsp_disable) return answer(401, OCSP_UNAUTHORIZED);
  const id = req.certIds[0]!;
  // An issuer without its key cannot sign the answer: unauthorized, as for one not held at all.
  const named = (await signingIssuers(s)).filter((i) => certIdMatchesIssuer(id, pemDer(i.certificate)));
  const issuer = named.find((i) => usageOf(i).includes('ocsp-signing'));
  if (!issuer) return answer(401, OCSP_UNAUTHORIZED);
  const key = createPrivateKey((await requireKey(s, issuer.keyId)).privateKeyPem);
  const { type, bits } = describeKey(key);
  const alg = signatureAlgorithm(type, bits);
  const { ocspExpiry } = crlTimes(config);
  const tbs = responseData(
    pemDer(issuer.certificate),
    now,
    [{ certId: id, cert: await statusOf(s, new Set(named.map((i) => i.id)), id.serialHex), thisUpdate: now, nextUpdate: ocspExpiry > 0 ? new Date(now.getTime() + ocspExpiry * 1000) : null }],
    req.nonce,
  );
  return answer(200, successfulResponse(tbs, alg.der, sign(alg.digest, tbs, key)));
}

async function readAll(body: AsyncIterable<Buffer> | undefined): Promise<Buffer | null> {
  if (!body) return Buffer.alloc(0);
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_REQUEST_BYTES) return null;
    parts.push(chunk);
  }
  return Buffer.concat(parts);
}

/** A failure inside the responder is OCSP's internalError, never a JSON error a client cannot read. */
async function guarded(logger: Logger, work: () => Promise<LogicalResponse>): Promise<LogicalResponse> {
  try {
    return await work();
  } catch (e) {
    logger.error('pki ocsp: answering failed', { error: e instanceof Error ? e.message : String(e) });
    return answer(500, OCSP_INTERNAL_ERROR);
  }
}

export function ocspPaths(logger: Logger): PathDef<Fields>[] {
  return [
    definePath({
      pattern: 'ocsp',
      fields: {},
      synopsis: 'OCSP responder: POST a DER OCSP request (Content-Type application/ocsp-request).',
      operations: {
        update: async (req) =>
          guarded(logger, async () => {
            const der = await readAll(req.body);
            return der === null ? answer(400, OCSP_MALFORMED) : ocspAnswer(req.storage, der);
          }),
      },
    }),
    definePath({
      pattern: `ocsp/${matchAll('req')}`,
      fields: { req: field.string({ description: 'The DER OCSP request, base64 (RFC 6960 appendix A.1 GET form).' }) },
      synopsis: 'OCSP responder, GET form.',
      operations: {
        read: async (req, d) =>
          guarded(logger, async () => {
            const b64 = d.get('req');
            if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length > MAX_REQUEST_BYTES) return answer(400, OCSP_MALFORMED);
            return ocspAnswer(req.storage, Buffer.from(b64, 'base64'));
          }),
      },
    }),
  ];
}
