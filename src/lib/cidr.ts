import { BlockList, isIP } from 'node:net';

/** Strips the IPv4-mapped IPv6 prefix node reports for dual-stack sockets. */
export function normalizeIp(ip: string): string {
  return ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
}

/** True when `ip` falls inside any of the CIDR blocks (bare addresses count as /32 or /128). */
export function ipInCidrs(ip: string, cidrs: readonly string[]): boolean {
  const addr = normalizeIp(ip);
  const family = isIP(addr);
  if (family === 0) return false;
  const list = new BlockList();
  for (const c of cidrs) {
    const [net, bitsText] = c.trim().split('/');
    if (!net) continue;
    const fam = isIP(net);
    if (fam === 0) continue;
    const bits = bitsText === undefined ? (fam === 4 ? 32 : 128) : Number(bitsText);
    list.addSubnet(net, bits, fam === 4 ? 'ipv4' : 'ipv6');
  }
  return list.check(addr, family === 4 ? 'ipv4' : 'ipv6');
}

/** Validates a CIDR list, returning the first invalid entry or null. */
export function invalidCidr(cidrs: readonly string[]): string | null {
  for (const c of cidrs) {
    const [net, bits] = c.trim().split('/');
    const fam = net ? isIP(net) : 0;
    if (fam === 0) return c;
    if (bits !== undefined) {
      const n = Number(bits);
      if (!Number.isInteger(n) || n < 0 || n > (fam === 4 ? 32 : 128)) return c;
    }
  }
  return null;
}
