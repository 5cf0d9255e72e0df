/**
 * Reading a caller's CSR with Vault's error texts: no PEM block is "csr contains no
 * data", anything that does not parse (or whose self-signature fails) "certificate request
 * could not be parsed: …".
 */
import { badRequest } from '../../sdk/errors.js';
import { parseCsr, type ParsedCsr } from './cert-builder.js';
import { pemBlocks } from './format.js';

export async function readCsr(text: string): Promise<ParsedCsr> {
  const [block] = pemBlocks(text, 'CERTIFICATE REQUEST');
  const [legacy] = pemBlocks(text, 'NEW CERTIFICATE REQUEST');
  const pem = block ?? legacy?.replace(/NEW CERTIFICATE REQUEST/g, 'CERTIFICATE REQUEST');
  if (!pem) throw badRequest('csr contains no data');
  try {
    return await parseCsr(pem);
  } catch (e) {
    throw badRequest(`certificate request could not be parsed: ${e instanceof Error ? e.message : String(e)}`);
  }
}
