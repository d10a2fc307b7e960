// "host:port" listen addresses: "0.0.0.0:8443", "[::]:8443", "localhost:0".
import * as net from 'node:net';

export interface ListenAddress {
  host: string; // without brackets
  port: number; // 0 = any free port
}

export function parseListen(text: string): ListenAddress | string {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text.trim());
  if (!match) return `expected "host:port" (IPv6 as "[::]:port"), got ${JSON.stringify(text)}`;
  const host = match[1] ?? match[2];
  const port = Number(match[3]);
  if (port > 65535) return `port ${port} is out of range (0-65535)`;
  if (match[1] !== undefined && net.isIPv6(host) === false) return `"${host}" is not an IPv6 address`;
  if (match[2] !== undefined && net.isIPv6(host)) return `IPv6 addresses need brackets: "[${host}]:${port}"`;
  return { host, port };
}

export function formatListen(address: ListenAddress): string {
  return net.isIPv6(address.host) ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
