// Byte-level checks on the parts of a request head that decide where it goes
// and how its body is framed: the request target, Host and Transfer-Encoding.
// Both engines run them (through admission.ts). Lookup tables and plain loops,
// no regexes or allocations: the target and Host checks run on every request.

// Request-target bytes: visible ASCII except '#' (a fragment is never sent).
// Space, controls, DEL and anything outside ASCII (raw UTF-8, or what the
// engine turned into U+FFFD) are refused: a target must be percent-encoded.
const TARGET = new Uint8Array(128);
for (let c = 0x21; c < 0x7f; c++) TARGET[c] = 1;
TARGET[0x23] = 0; // '#'

// Host = uri-host [ ":" port ] (RFC 9110 §7.2): reg-name characters
// (unreserved, sub-delims, pct-encoded), ':' and the brackets of an IP-literal.
const HOST = new Uint8Array(128);
for (const ch of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=%:[]") {
  HOST[ch.charCodeAt(0)] = 1;
}

// True when every character of `text` is ASCII and marked in `allowed`.
function onlyFrom(allowed: Uint8Array, text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || allowed[c] === 0) return false;
  }
  return true;
}

export function validTargetPart(text: string): boolean {
  return onlyFrom(TARGET, text);
}

// An empty Host is allowed (RFC 9112 §3.2: a target without an authority).
export function validHost(text: string): boolean {
  return onlyFrom(HOST, text);
}

export const enum Coding {
  Chunked, // exactly "chunked": the body is chunked
  Invalid, // chunked is not the final coding, or is applied twice: 400 (RFC 9112 §6.3)
  Unsupported, // other codings before chunked (gzip, chunked): 501 (RFC 9112 §6.1)
}

// Judges a Transfer-Encoding value (every field line joined with ", ").
export function transferCoding(value: string): Coding {
  // The common case: one field, "chunked" in any letter case.
  if (value.length === 7 && value.toLowerCase() === 'chunked') return Coding.Chunked;
  const codings = value.split(',').map((coding) => coding.trim().toLowerCase());
  const chunked = codings.filter((coding) => coding === 'chunked').length;
  if (codings[codings.length - 1] !== 'chunked' || chunked > 1) return Coding.Invalid;
  // Empty list members are allowed by the list syntax but say nothing; a
  // coding with parameters or odd characters is not one we implement.
  return codings.every((coding) => coding === '' || coding === 'chunked') ? Coding.Chunked : Coding.Unsupported;
}
