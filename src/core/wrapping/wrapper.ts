/**
 * Response wrapping: the response is serialised, stored in the cubbyhole of a fresh
 * single-use orphan token that carries only the `response-wrapping` policy, and the
 * client receives that token. Unwrapping consumes it; lookup does not.
 */
import { badRequest, invalidToken, permissionDenied } from '../../sdk/errors.js';
import { getJSON, putJSON, type Storage } from '../../sdk/storage.js';
import { rfc3339, type Clock } from '../../lib/clock.js';
import type { TokenEntry } from '../tokens/types.js';

export const WRAPPING_POLICY = 'response-wrapping';

export interface WrapInfo {
  token: string;
  accessor: string;
  ttl: number;
  creation_time: string;
  creation_path: string;
  wrapped_accessor?: string;
}

interface StoredWrapInfo {
  creation_ttl: number;
  creation_time: string;
  creation_path: string;
}

export interface WrapperDeps {
  clock: Clock;
  createWrappingToken(ttl: number, creationPath: string): Promise<TokenEntry>;
  lookupToken(token: string): Promise<TokenEntry | null>;
  revokeToken(entry: TokenEntry): Promise<void>;
  /** The cubbyhole of a given token (the cubbyhole backend's storage helper). */
  cubbyholeOf(token: string): Storage;
}

const INVALID = 'wrapping token is not valid or does not exist';

export class ResponseWrapper {
  constructor(private readonly deps: WrapperDeps) {}

  async wrap(body: string, ttl: number, creationPath: string, wrappedAccessor?: string): Promise<WrapInfo> {
    const entry = await this.deps.createWrappingToken(ttl, creationPath);
    const creationTime = rfc3339(entry.creationTime);
    const cubby = this.deps.cubbyholeOf(entry.id);
    await putJSON(cubby, 'response', { response: body });
    const info: StoredWrapInfo = { creation_ttl: ttl, creation_time: creationTime, creation_path: creationPath };
    await putJSON(cubby, 'wrapinfo', info);
    return {
      token: entry.id,
      accessor: entry.accessor,
      ttl,
      creation_time: creationTime,
      creation_path: creationPath,
      ...(wrappedAccessor ? { wrapped_accessor: wrappedAccessor } : {}),
    };
  }

  /** A valid, unexpired wrapping token, or a 400 that does not say which check failed. */
  private async wrappingEntry(token: string): Promise<TokenEntry> {
    if (!token) throw badRequest(INVALID);
    const entry = await this.deps.lookupToken(token);
    if (!entry || entry.policies.length !== 1 || entry.policies[0] !== WRAPPING_POLICY) throw badRequest(INVALID);
    return entry;
  }

  async lookup(token: string): Promise<{ creation_path: string; creation_time: string; creation_ttl: number }> {
    const entry = await this.wrappingEntry(token);
    const info = await getJSON<StoredWrapInfo>(this.deps.cubbyholeOf(entry.id), 'wrapinfo');
    if (!info) throw badRequest(INVALID);
    return { creation_path: info.creation_path, creation_time: info.creation_time, creation_ttl: info.creation_ttl };
  }

  /**
   * Returns the stored response body and destroys the wrapping token. With `bodyToken`
   * the caller authenticates with its own (valid) token and names the wrapping token in
   * the body; without it the request's own token is the wrapping token.
   */
  async unwrap(headerToken: string, bodyToken: string): Promise<string> {
    if (bodyToken) {
      if (!headerToken) throw permissionDenied();
      if (!(await this.deps.lookupToken(headerToken))) throw invalidToken();
      if (bodyToken === headerToken) throw badRequest('wrapping token may not be given in both the header and the body');
    }
    const entry = await this.wrappingEntry(bodyToken || headerToken);
    const stored = await getJSON<{ response: string }>(this.deps.cubbyholeOf(entry.id), 'response');
    // Single use: the token (and with it the payload) is gone whatever happens next.
    await this.deps.revokeToken(entry);
    if (!stored) throw badRequest(INVALID);
    return stored.response;
  }

  async rewrap(token: string): Promise<WrapInfo> {
    const entry = await this.wrappingEntry(token);
    const cubby = this.deps.cubbyholeOf(entry.id);
    const stored = await getJSON<{ response: string }>(cubby, 'response');
    const info = await getJSON<StoredWrapInfo>(cubby, 'wrapinfo');
    if (!stored || !info) throw badRequest(INVALID);
    const next = await this.wrap(stored.response, info.creation_ttl, info.creation_path);
    await this.deps.revokeToken(entry);
    return next;
  }
}
