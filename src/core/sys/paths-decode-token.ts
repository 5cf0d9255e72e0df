/** `sys/decode-token` (unauthenticated): the root token back from generate-root's encoded token and the OTP. */
import { field, type Fields } from '../../sdk/framework/fields.js';
import { definePath, type PathDef } from '../../sdk/framework/path.js';
import { badRequest } from '../../sdk/errors.js';
import { decodeToken } from '../seal/otp.js';

export function decodeTokenPaths(): PathDef<Fields>[] {
  return [
    definePath({
      pattern: 'decode-token',
      fields: {
        encoded_token: field.string({ description: 'The encoded token from generate-root' }),
        otp: field.string({ description: 'The OTP the attempt was started with' }),
      },
      operations: {
        update: async (_req, d) => {
          const encoded = d.get('encoded_token') ?? '';
          const otp = d.get('otp') ?? '';
          if (encoded === '') throw badRequest('missing encoded_token');
          if (otp === '') throw badRequest('missing otp');
          return { data: { token: decodeToken(encoded, otp) } };
        },
      },
    }),
  ];
}
