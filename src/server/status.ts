// Status lines for writeStatus, built once.
import { STATUS_CODES } from 'node:http';

const lines: string[] = [];
for (let code = 100; code <= 599; code++) {
  lines[code] = `${code} ${STATUS_CODES[code] ?? 'Unknown'}`;
}

export function statusLine(code: number): string {
  return lines[code] ?? `${code} Unknown`;
}

// Statuses whose responses never carry a body or a Content-Length (RFC 9110 §6.4.1).
export function isBodiless(code: number): boolean {
  return code === 204 || code === 304 || code < 200;
}
