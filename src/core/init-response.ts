/**
 * The answer of an initialisation whose every secret is PGP-encrypted (all key shares and the
 * root token), kept by the server until the barrier is first unsealed, at most an hour, so that
 * a client killed between receiving it and storing it (the bootstrap job, `ward k8s
 * bootstrap`) can fetch it again from `GET sys/init/response` (a Ward extension) instead of
 * losing the shares. It holds ciphertext only, to keys the operators chose: it is stored
 * outside the barrier (which is still sealed) and served without a token, as `ward operator
 * init -pgp-keys` output may travel. An answer with any plaintext in it is never kept.
 */
import type { PhysicalBackend } from '../storage/physical.js';
import type { InitResult } from './api-types.js';

const KEY = 'core/ward-init-response';
export const INIT_RESPONSE_TTL_MS = 60 * 60 * 1000;

interface Kept {
  keptAt: number;
  response: InitResult;
}

export async function keepInitResponse(physical: PhysicalBackend, response: InitResult, now: number): Promise<void> {
  const kept: Kept = { keptAt: now, response };
  await physical.put(KEY, Buffer.from(JSON.stringify(kept), 'utf8'));
}

/** The kept answer, or null (none, or older than the TTL: then it is dropped). */
export async function keptInitResponse(physical: PhysicalBackend, now: number): Promise<InitResult | null> {
  const raw = await physical.get(KEY);
  if (raw === null) return null;
  let kept: Kept;
  try {
    kept = JSON.parse(raw.toString('utf8')) as Kept;
  } catch {
    await physical.delete(KEY);
    return null;
  }
  if (!(now - kept.keptAt < INIT_RESPONSE_TTL_MS)) {
    await physical.delete(KEY);
    return null;
  }
  return kept.response;
}

export async function dropInitResponse(physical: PhysicalBackend): Promise<void> {
  await physical.delete(KEY);
}
