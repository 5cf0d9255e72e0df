/**
 * The totp secrets engine over a real socket, on a fake clock so codes are known: the
 * RFC 6238 secret gives the RFC's codes through the API, validation honours skew and
 * refuses a replayed code within its window, and bad input gets Vault's messages.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import QRCode from 'qrcode';
import { builtinRegistry } from '../../../src/core/builtin-registry.js';
import { totpBackend } from '../../../src/secrets/totp/index.js';
import { base32Decode, totpAt } from '../../../src/secrets/totp/otp.js';
import { FakeClock } from '../../helpers/clock.js';
import { errText } from '../../helpers/errors.js';
import { decodePng } from '../../helpers/png.js';
import { api, startTestServer, type TestServer } from '../../helpers/server.js';

/**
 * The barcode is a base64 PNG of size×size pixels whose dark modules are the QR code of `url`
 * (error correction M, as pquerna/otp encodes): each module's centre pixel is sampled inside
 * the symbol's bounding box (the three finder patterns span it).
 */
function assertQrPng(barcode: string, size: number, url: string): void {
  const png = decodePng(Buffer.from(barcode, 'base64'));
  assert.equal(png.width, size);
  assert.equal(png.height, size);
  let [x0, y0, x1, y1] = [size, size, -1, -1];
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      if (!png.dark(x, y)) continue;
      [x0, y0, x1, y1] = [Math.min(x0, x), Math.min(y0, y), Math.max(x1, x), Math.max(y1, y)];
    }
  }
  const modules = QRCode.create(url, { errorCorrectionLevel: 'M' }).modules;
  const n = modules.size;
  const cell = (x1 - x0 + 1) / n;
  assert.ok(cell >= 1, `the symbol is drawn with at least one pixel per module (${cell})`);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      const shown = png.dark(Math.floor(x0 + (c + 0.5) * cell), Math.floor(y0 + (r + 0.5) * cell));
      assert.equal(shown, modules.get(r, c) === 1, `module ${r},${c}`);
    }
  }
}

/** base32 of the RFC 6238 SHA-1 secret "12345678901234567890". */
const RFC_KEY = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

describe('totp secrets engine over HTTP', () => {
  let s: TestServer;
  const clock = new FakeClock(59_000);
  const call = (method: string, path: string, body?: unknown) => api(s, method, path, { token: s.rootToken, ...(body !== undefined ? { body } : {}) });

  before(async () => {
    const registry = builtinRegistry();
    registry.register('totp', 'secret', async () => totpBackend({ clock }));
    s = await startTestServer({ registry });
    assert.equal((await call('POST', 'sys/mounts/totp', { type: 'totp' })).status, 204);
  });
  after(() => s?.close());

  it('an imported RFC 6238 key gives the RFC code; read never shows the secret', async () => {
    clock.ms = 59_000;
    const w = await call('POST', 'totp/keys/rfc', { key: RFC_KEY, digits: 8, issuer: 'Ward', account_name: 'rfc@example.com' });
    assert.equal(w.status, 204, JSON.stringify(w.body));
    assert.deepEqual((await call('GET', 'totp/code/rfc')).body.data, { code: '94287082' });
    clock.ms = 1_111_111_109_000;
    assert.equal((await call('GET', 'totp/code/rfc')).body.data.code, '07081804');
    const r = await call('GET', 'totp/keys/rfc');
    assert.deepEqual(r.body.data, { issuer: 'Ward', account_name: 'rfc@example.com', period: 30, algorithm: 'SHA1', digits: 8 });
    assert.ok(!JSON.stringify(r.body).includes(RFC_KEY));
  });

  it('validates with skew 1, and a code validated once is refused until its window passes', async () => {
    clock.ms = 1_111_111_109_000;
    const ok = await call('POST', 'totp/code/rfc', { code: '07081804' });
    assert.deepEqual(ok.body.data, { valid: true });
    const replay = await call('POST', 'totp/code/rfc', { code: '07081804' });
    assert.equal(replay.status, 400);
    assert.equal(errText(replay), 'code already used; wait until the next time period');
    clock.advance(30); // next period: still within skew, still used
    assert.equal(errText(await call('POST', 'totp/code/rfc', { code: '07081804' })), 'code already used; wait until the next time period');
    clock.advance(60); // 90 s after use: the window (period × (2 + skew)) is over, and so is the code
    assert.deepEqual((await call('POST', 'totp/code/rfc', { code: '07081804' })).body.data, { valid: false });
    // A wrong code is an answer, not an error, and is remembered like any other.
    assert.deepEqual((await call('POST', 'totp/code/rfc', { code: '00000000' })).body.data, { valid: false });
    assert.equal(errText(await call('POST', 'totp/code/rfc', { code: '00000000' })), 'code already used; wait until the next time period');
    assert.deepEqual((await call('POST', 'totp/code/rfc', { code: '123' })).body.data, { valid: false }, 'wrong length is invalid, not an error');
  });

  it('skew 0 accepts only the current period', async () => {
    assert.equal((await call('POST', 'totp/keys/strict', { key: RFC_KEY, skew: 0 })).status, 204);
    clock.ms = 1_700_000_000_000;
    const previous = totpAt(base32Decode(RFC_KEY), clock.ms - 30_000, { period: 30, digits: 6, algorithm: 'SHA1' });
    const current = (await call('GET', 'totp/code/strict')).body.data.code as string;
    assert.notEqual(previous, current);
    assert.deepEqual((await call('POST', 'totp/code/strict', { code: previous })).body.data, { valid: false });
    assert.deepEqual((await call('POST', 'totp/code/strict', { code: current })).body.data, { valid: true });
  });

  it('generates a key: the url carries its parameters and its codes are the engine\'s codes', async () => {
    const g = await call('POST', 'totp/keys/alice@example.com', { generate: true, issuer: 'Ward Inc', account_name: 'alice@example.com', algorithm: 'SHA256', digits: 8, period: '1m' });
    assert.equal(g.status, 200, JSON.stringify(g.body));
    const url = new URL(g.body.data.url);
    assert.equal(url.protocol, 'otpauth:');
    assert.equal(decodeURIComponent(url.pathname), '/Ward Inc:alice@example.com');
    assert.deepEqual(
      [...url.searchParams.keys()],
      ['algorithm', 'digits', 'issuer', 'period', 'secret'],
    );
    assert.equal(url.searchParams.get('algorithm'), 'SHA256');
    assert.equal(url.searchParams.get('digits'), '8');
    assert.equal(url.searchParams.get('period'), '60');
    assert.equal(url.searchParams.get('issuer'), 'Ward Inc');
    const secret = url.searchParams.get('secret')!;
    assert.match(secret, /^[A-Z2-7]{32}$/, '20 random bytes, base32 without padding');
    assertQrPng(g.body.data.barcode, 200, g.body.data.url);
    assert.equal(g.body.warnings ?? null, null);
    const code = (await call('GET', 'totp/code/alice@example.com')).body.data.code;
    assert.equal(code, totpAt(base32Decode(secret), clock.ms, { period: 60, digits: 8, algorithm: 'SHA256' }));

    const noQr = await call('POST', 'totp/keys/noqr', { generate: true, issuer: 'I', account_name: 'a', qr_size: 0 });
    assert.deepEqual(Object.keys(noQr.body.data), ['url']);
    assert.equal(noQr.body.warnings ?? null, null);
    const hidden = await call('POST', 'totp/keys/hidden', { generate: true, issuer: 'I', account_name: 'a', exported: false });
    assert.equal(hidden.status, 204);
  });

  it('barcode is a PNG of qr_size pixels showing the url as a QR code; too small a size is refused', async () => {
    const big = await call('POST', 'totp/keys/big', { generate: true, issuer: 'Ward', account_name: 'bob@example.com', qr_size: 350 });
    assert.equal(big.status, 200, JSON.stringify(big.body));
    assertQrPng(big.body.data.barcode, 350, big.body.data.url);
    const small = await call('POST', 'totp/keys/small', { generate: true, issuer: 'Ward', account_name: 'bob@example.com', qr_size: 10 });
    assert.equal(small.status, 400);
    assert.match(errText(small), /^failed to generate QR code image: can not scale barcode to an image smaller than (\d+)x\1$/);
    assert.equal((await call('GET', 'totp/keys/small')).status, 404, 'nothing stored when the answer failed');
    await call('DELETE', 'totp/keys/big');
  });

  it('imports a key from an otpauth url', async () => {
    const w = await call('POST', 'totp/keys/fromurl', { url: 'otpauth://totp/Google:test@gmail.com?secret=Y64VEVMBTSXCYIWRSHRNDZW62MPGVU2G&issuer=Google&period=60&digits=8&algorithm=SHA512' });
    assert.equal(w.status, 204, JSON.stringify(w.body));
    assert.deepEqual((await call('GET', 'totp/keys/fromurl')).body.data, { issuer: 'Google', account_name: 'test@gmail.com', period: 60, algorithm: 'SHA512', digits: 8 });
    assert.equal((await call('GET', 'totp/code/fromurl')).body.data.code, totpAt(base32Decode('Y64VEVMBTSXCYIWRSHRNDZW62MPGVU2G'), clock.ms, { period: 60, digits: 8, algorithm: 'SHA512' }));
  });

  it('lists and deletes keys', async () => {
    const list = await api(s, 'LIST', 'totp/keys', { token: s.rootToken });
    assert.deepEqual(list.body.data.keys, ['alice@example.com', 'fromurl', 'hidden', 'noqr', 'rfc', 'strict']);
    assert.equal((await call('DELETE', 'totp/keys/hidden')).status, 204);
    assert.equal((await call('GET', 'totp/keys/hidden')).status, 404);
    const gone = await call('GET', 'totp/code/hidden');
    assert.equal(gone.status, 400);
    assert.equal(errText(gone), 'unknown key: hidden');
    assert.equal(errText(await call('POST', 'totp/code/hidden', { code: '123456' })), 'unknown key: hidden');
    assert.equal(errText(await call('POST', 'totp/code/rfc', {})), 'the code value is required');
  });

  it('refuses bad input with Vault\'s messages', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ key: RFC_KEY, digits: 7 }, 'the digits value can only be 6 or 8'],
      [{ key: RFC_KEY, algorithm: 'MD5' }, 'the algorithm value is not valid'],
      [{ key: RFC_KEY, period: 0 }, 'the period value must be greater than zero'],
      [{ key: RFC_KEY, skew: 2 }, 'the skew value must be 0 or 1'],
      [{ key: RFC_KEY, qr_size: -1 }, 'the qr_size value must be greater than or equal to zero'],
      [{ generate: true, issuer: 'I', account_name: 'a', qr_size: 100_000 }, 'the qr_size value must be at most 4096'],
      [{ generate: true, issuer: 'I', account_name: 'a', key_size: 0 }, 'the key_size value must be greater than zero'],
      [{ generate: true, issuer: 'I' }, 'the account_name value is required for generated keys'],
      [{ generate: true, account_name: 'a' }, 'the issuer value is required for generated keys'],
      [{ generate: true, issuer: 'I', account_name: 'a', key: RFC_KEY }, 'a key should not be passed if generate is true'],
      [{ generate: true, issuer: 'I', account_name: 'a', url: 'otpauth://totp/x?secret=AA' }, 'a url should not be passed if generate is true'],
      [{}, 'the key value is required'],
      [{ key: 'not base32!' }, 'invalid key value: illegal base32 data at input byte 3'],
      [{ url: 'otpauth://totp/x?secret=GEZDGNBV&period=soon' }, 'an error occurred while parsing period value in url'],
      [{ url: 'otpauth://totp/x?secret=GEZDGNBV&digits=x' }, 'an error occurred while parsing digits value in url'],
      [{ url: 'not a url' }, 'an error occurred while parsing url string'],
      [{ key: RFC_KEY, period: 'soon' }, 'error converting input "soon" for field "period": time: invalid duration "soon"'],
      [{ key: RFC_KEY, digits: 'six' }, 'error converting input "six" for field "digits": strconv.ParseInt: parsing "six": invalid syntax'],
    ];
    for (const [body, want] of cases) {
      const r = await call('POST', 'totp/keys/bad', body);
      assert.equal(r.status, 400, `${JSON.stringify(body)} → ${JSON.stringify(r.body)}`);
      assert.equal(errText(r), want);
      assert.ok(!JSON.stringify(r.body).includes(RFC_KEY), 'the secret is never echoed');
    }
    assert.equal((await call('GET', 'totp/keys/bad')).status, 404);
  });
});
