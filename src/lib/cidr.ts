/**
 * CIDR lists as Vault's bound-CIDR options read them (go-sockaddr over Go's net package):
 * a bare address is a /32 or /128, a prefix length is decimal digits in range, and an
 * IPv4 client is never inside an IPv6 network. Every entry is parsed here once, by one
 * strict function, so what was validated on write is exactly what is checked on use.
 */
import { BlockList, isIP } from 'node:net';

/** Strips the IPv4-mapped IPv6 prefix node reports for dual-stack sockets. */
export function normalizeIp(ip: string): string {
  return ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
}

interface Cidr {
  net: string;
  bits: number;
  family: 'ipv4' | 'ipv6';
}

/**
 * Go's net.ParseCIDR accepts only decimal digits after the slash (`dtoi`): no sign, no
 * space, no exponent, no hex, not empty. Number() accepts all of those, and "-0" then
 * passed the range check and aborted the process inside BlockList.addSubnet.
 */
const PREFIX_LENGTH = /^\d{1,3}$/;

function parseCidr(text: string): Cidr | null {
  const trimmed = text.trim();
  const slash = trimmed.indexOf('/');
  const net = slash === -1 ? trimmed : trimmed.slice(0, slash);
  const kind = isIP(net);
  if (kind === 0) return null;
  const family = kind === 4 ? 'ipv4' : 'ipv6';
  const max = kind === 4 ? 32 : 128;
  if (slash === -1) return { net, bits: max, family };
  const bitsText = trimmed.slice(slash + 1);
  if (!PREFIX_LENGTH.test(bitsText)) return null;
  const bits = Number.parseInt(bitsText, 10);
  return bits <= max ? { net, bits, family } : null;
}

/**
 * True when `ip` falls inside any of the CIDR blocks. Entries that do not parse match
 * nothing (they were refused on write; a stored one from an older version denies).
 */
export function ipInCidrs(ip: string, cidrs: readonly string[]): boolean {
  const addr = normalizeIp(ip);
  const kind = isIP(addr);
  if (kind === 0) return false;
  const family = kind === 4 ? 'ipv4' : 'ipv6';
  const list = new BlockList();
  for (const c of cidrs) {
    const cidr = parseCidr(c);
    // Node would match an IPv4 client against an IPv6 block as ::ffff:a.b.c.d; Go never does.
    if (cidr?.family === family) list.addSubnet(cidr.net, cidr.bits, family);
  }
  return list.check(addr, family);
}

/** Validates a CIDR list, returning the first invalid entry or null. */
export function invalidCidr(cidrs: readonly string[]): string | null {
  for (const c of cidrs) if (parseCidr(c) === null) return c;
  return null;
}
