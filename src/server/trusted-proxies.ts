// trusted_proxies: which socket peers may name the client in X-Forwarded-For.
import * as net from 'node:net';

export function parseProxyEntry(entry: string): { ip: string; prefix: number; family: 'ipv4' | 'ipv6' } | string {
  const [ip, prefixText, extra] = entry.trim().split('/');
  const version = net.isIP(ip);
  if (extra !== undefined || version === 0) return `${JSON.stringify(entry)} is not an IP address or CIDR range`;
  const family = version === 4 ? 'ipv4' : 'ipv6';
  const max = version === 4 ? 32 : 128;
  if (prefixText === undefined) return { ip, prefix: max, family };
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) {
    return `${JSON.stringify(entry)} has an invalid prefix length (0-${max} for ${family === 'ipv4' ? 'IPv4' : 'IPv6'})`;
  }
  return { ip, prefix: Number(prefixText), family };
}

// An IPv4 peer on a dual-stack socket shows as ::ffff:a.b.c.d; report a.b.c.d.
export function stripMapped(ip: string): string {
  return ip.startsWith('::ffff:') && net.isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
}

export function formatClient(ip: string, port: number | string): string {
  return net.isIPv6(ip) ? `[${ip}]:${port}` : `${ip}:${port}`;
}

// The left-most X-Forwarded-For entry as the proxy sent it: a bare IP
// ("203.0.113.7", "2001:db8::1"), or "ip:port" when it gave a port (as the
// Rust siphon-http reports it); undefined when it is not an address.
export function forwardedClient(header: string): string | undefined {
  const first = header.split(',')[0].trim();
  if (net.isIP(first)) return stripMapped(first);
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(first);
  if (bracketed && net.isIPv6(bracketed[1])) {
    const ip = stripMapped(bracketed[1]);
    return bracketed[2] === undefined ? ip : formatClient(ip, bracketed[2]);
  }
  const withPort = /^([\d.]+):(\d{1,5})$/.exec(first);
  if (withPort && net.isIPv4(withPort[1])) return formatClient(withPort[1], withPort[2]);
  return undefined;
}

export class TrustedProxies {
  private readonly list = new net.BlockList();
  readonly empty: boolean;

  constructor(entries: readonly string[]) {
    this.empty = entries.length === 0;
    for (const entry of entries) {
      const parsed = parseProxyEntry(entry);
      if (typeof parsed === 'string') throw new Error(parsed); // config validation ran first
      this.list.addSubnet(parsed.ip, parsed.prefix, parsed.family);
    }
  }

  trusts(peerIp: string): boolean {
    if (this.empty) return false;
    const ip = stripMapped(peerIp);
    return this.list.check(ip, net.isIPv6(ip) ? 'ipv6' : 'ipv4');
  }

  // The client a request should report: the forwarded one when the peer is
  // trusted and names one, else undefined (use the socket peer).
  clientFor(peerIp: string, forwardedFor: string | undefined): string | undefined {
    if (forwardedFor === undefined || !this.trusts(peerIp)) return undefined;
    return forwardedClient(forwardedFor);
  }
}
