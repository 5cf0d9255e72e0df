/**
 * A local OCSP responder for tests (RFC 6960 over HTTP POST): answers for the serials it
 * is told about (default good), signed with the issuer's key, or with another key to
 * play a forger. What Ward's cert method checks (CertID match, signature, freshness) is
 * what a real responder's answer must pass.
 */
import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { children, oid, parseDer, seq, tlv } from '../../src/lib/der.js';

export type Status = 'good' | 'revoked' | 'unknown';

export interface OcspResponder {
  url: string;
  /** Status by serial (hex, lower-case, no colons). */
  statuses: Map<string, Status>;
  /** Sign with this key instead of the issuer's (a forged answer). */
  forgeWith: KeyObject | null;
  requests: number;
  close(): Promise<void>;
}

const ECDSA_SHA256 = '1.2.840.10045.4.3.2';
const BASIC = '1.3.6.1.5.5.7.48.1.1';

function generalizedTime(d: Date): Buffer {
  const s = `${d.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
  return tlv(0x18, Buffer.from(s, 'latin1'));
}

/** `issuerKeyPem`: the issuing CA's EC private key. */
export async function startOcspResponder(issuerKeyPem: string): Promise<OcspResponder> {
  const issuerKey = createPrivateKey(issuerKeyPem);
  const state: OcspResponder = { url: '', statuses: new Map(), forgeWith: null, requests: 0, close: async () => {} };
  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      state.requests++;
      try {
        const tbsRequest = children(parseDer(Buffer.concat(parts)).value)[0]!;
        const first = children(children(tbsRequest.value).find((t) => t.tag === 0x30)!.value)[0]!;
        const certId = children(first.value)[0]!;
        const serial = children(certId.value)[3]!.value.toString('hex').replace(/^00/, '');
        const status = state.statuses.get(serial) ?? 'good';
        const now = new Date();
        const certStatus =
          status === 'good' ? Buffer.from([0x80, 0x00]) : status === 'unknown' ? Buffer.from([0x82, 0x00]) : tlv(0xa1, generalizedTime(now));
        const single = seq(certId.raw, certStatus, generalizedTime(new Date(now.getTime() - 60_000)), tlv(0xa0, generalizedTime(new Date(now.getTime() + 3600_000))));
        const tbs = seq(tlv(0xa2, tlv(0x04, Buffer.alloc(20))), generalizedTime(now), seq(single));
        const signature = sign('sha256', tbs, state.forgeWith ?? issuerKey);
        const basic = seq(tbs, seq(oid(ECDSA_SHA256)), tlv(0x03, Buffer.concat([Buffer.from([0]), signature])));
        const body = seq(Buffer.from([0x0a, 0x01, 0x00]), tlv(0xa0, seq(oid(BASIC), tlv(0x04, basic))));
        res.writeHead(200, { 'Content-Type': 'application/ocsp-response' }).end(body);
      } catch {
        // A malformed request: OCSP's own "malformedRequest" status.
        res.writeHead(200, { 'Content-Type': 'application/ocsp-response' }).end(seq(Buffer.from([0x0a, 0x01, 0x01])));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () => new Promise((r) => server.close(() => r()));
  return state;
}
