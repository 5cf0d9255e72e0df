/**
 * The `barcode` Vault returns for a generated key: the otpauth URL as a QR code (error
 * correction M, as pquerna/otp encodes it), scaled by a whole factor into a size×size image
 * and centred on white the way boombuler/barcode's Scale does, as a base64 8-bit greyscale PNG.
 * Whole-pixel modules keep the code crisp for phone cameras.
 */
import { crc32, deflateSync } from 'node:zlib';
import QRCode from 'qrcode';

export class BarcodeTooSmall extends Error {}

function chunk(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])) >>> 0);
  return Buffer.concat([head, body, crc]);
}

/** A greyscale PNG from rows of luminance bytes (filter 0 on every row). */
export function greyPng(width: number, height: number, lum: (x: number, y: number) => number): Buffer {
  const raw = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) raw[y * (width + 1) + 1 + x] = lum(x, y);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale; compression, filter and interlace stay 0
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** base64 PNG of `text` as a QR code in a size×size image; throws BarcodeTooSmall as Vault fails. */
export function qrBarcode(text: string, size: number): string {
  const modules = QRCode.create(text, { errorCorrectionLevel: 'M' }).modules;
  const n = modules.size;
  if (size < n) throw new BarcodeTooSmall(`can not scale barcode to an image smaller than ${n}x${n}`);
  const factor = Math.floor(size / n);
  const offset = Math.floor((size - n * factor) / 2);
  const png = greyPng(size, size, (x, y) => {
    const c = Math.floor((x - offset) / factor);
    const r = Math.floor((y - offset) / factor);
    const inside = x >= offset && y >= offset && c < n && r < n;
    return inside && modules.get(r, c) ? 0 : 255;
  });
  return png.toString('base64');
}
