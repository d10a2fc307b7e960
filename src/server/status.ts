// Status lines for writeStatus, built once.
import { STATUS_CODES } from 'node:http';

// Buffers, not strings: uWS copies a Buffer as is, but converts every string
// argument to UTF-8 in a fresh allocation.
const lines: Buffer[] = [];
for (let code = 100; code <= 599; code++) {
  lines[code] = Buffer.from(`${code} ${STATUS_CODES[code] ?? 'Unknown'}`, 'latin1');
}

export function statusLine(code: number): Buffer {
  return lines[code] ?? Buffer.from(`${code} Unknown`, 'latin1');
}

// Statuses whose responses never carry a body or a Content-Length (RFC 9110 §6.4.1).
export function isBodiless(code: number): boolean {
  return code === 204 || code === 304 || code < 200;
}
