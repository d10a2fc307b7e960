// The last look at a handler's headers before they are written. The addon
// already refuses CR, LF and NUL in values and anything but a token in names;
// this catches the rest of what would make a malformed response:
//  - other control characters in a value (RFC 9110 §5.5 allows only HTAB, SP,
//    visible characters and obs-text): uWS would write them as they are and
//    node:http throws on them -- the handler's answer becomes a logged 500;
//  - on the uWS engine, a Date (uWS always writes its own, so there would be
//    two) and Connection (hop-by-hop: uWS would announce "close" and then keep
//    the connection open): dropped, and "close" honoured.
// One plain loop over the values and a length test per name; no allocation
// unless something is found.

export const BAD_VALUE = 1;
export const HOP_HEADER = 2; // a Date or Connection the uWS engine must not pass on

// The name of the header with a bad value, when inspect() returned BAD_VALUE.
export let badHeader = '';

export function inspectHeaders(headers: readonly string[]): number {
  let flags = 0;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i];
    if ((name.length === 4 && name.toLowerCase() === 'date') || (name.length === 10 && name.toLowerCase() === 'connection')) {
      flags |= HOP_HEADER;
    }
    const value = headers[i + 1];
    for (let j = 0; j < value.length; j++) {
      const c = value.charCodeAt(j);
      if ((c < 0x20 && c !== 0x09) || c === 0x7f) {
        badHeader = name;
        return flags | BAD_VALUE;
      }
    }
  }
  return flags;
}

// `headers` without Date and Connection; `close` says whether Connection asked to close.
export function withoutHopHeaders(headers: readonly string[]): { headers: string[]; close: boolean } {
  const out: string[] = [];
  let close = false;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i].toLowerCase();
    if (name === 'connection') {
      if (/(^|,)\s*close\s*(,|$)/i.test(headers[i + 1])) close = true;
    } else if (name !== 'date') {
      out.push(headers[i], headers[i + 1]);
    }
  }
  return { headers: out, close };
}


export function controlCharacterMessage(route: string, method: string, path: string, header: string): string {
  return `handler ${route} (${method} ${path}) returned header ${header} with a control character in its value`;
}
