/**
 * What `ward operator rekey` and `ward operator generate-root` share: reading the status
 * body, and taking one key share (the argument, stdin with "-", or a prompt without echo,
 * showing the operation's nonce first as vault does).
 */
import type { ApiResponse, JsonObject } from '../../api/index.js';
import type { Ctx } from '../command.js';
import { UsageError } from '../flags.js';
import { readAll } from '../prompt.js';

export type Body = JsonObject;
export const body = (r: ApiResponse): Body => (r.body ?? {}) as Body;

/**
 * The share to submit and the nonce to submit it under. Unlike vault, which insists on
 * -nonce when the share is given on the command line, the status's nonce is used when
 * -nonce is absent: the server still refuses a share for another attempt.
 */
export async function shareAndNonce(ctx: Ctx, usage: string, statusNonce: string, nonceLabel: string): Promise<{ key: string; nonce: string }> {
  ctx.expectArgs(0, 1, usage);
  let key = ctx.args[0];
  if (key === '-') key = (await readAll(ctx.io.stdin)).trim();
  if (key === undefined) {
    ctx.warn(`${nonceLabel}: ${statusNonce}`);
    key = await ctx.secret('Unseal Key (will be hidden): ', 'key');
  }
  if (key === '') throw new UsageError('missing key');
  return { key: key.trim(), nonce: ctx.flags.str('nonce') ?? statusNonce };
}
