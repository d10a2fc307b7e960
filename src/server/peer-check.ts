// req.client needs the peer's port, which uWS.js does not expose; the addon
// reads it from the socket (native/peer_address.cpp). The first request
// checks that reading against uWS's own view of the peer IP; if they ever
// disagree, siphon falls back to uWS's IP with port 0 and says so once.
import * as net from 'node:net';

import type { HttpResponse } from 'uWebSockets.js';

import { logger } from '../log';
import type { Addon } from '../addon/addon';
import { stripMapped } from './trusted-proxies';

type Mode = 'unchecked' | 'native' | 'fallback';

function uwsIp(res: HttpResponse): string {
  return stripMapped(Buffer.from(res.getRemoteAddressAsText()).toString());
}

class PeerCheck {
  private mode: Mode = 'unchecked';

  // undefined: let the addon read the peer from `res`; else the client text to use.
  clientFor(res: HttpResponse, addon: Addon): string | undefined {
    if (this.mode === 'native') return undefined;
    if (this.mode === 'unchecked') {
      const seen = addon.peerAddress(res);
      const expected = uwsIp(res);
      const ip = seen?.startsWith('[') ? seen.slice(1, seen.lastIndexOf(']')) : seen?.slice(0, seen.lastIndexOf(':'));
      const agrees = ip !== undefined && (net.isIPv4(expected) ? ip === expected : net.isIPv6(ip));
      this.mode = agrees ? 'native' : 'fallback';
      if (!agrees) {
        logger.warn('siphon.server', `cannot read client ports from uWebSockets.js sockets (saw ${seen ?? 'nothing'}, uWS says ${expected}); req.client will end in ":0"`);
      }
      if (agrees) return undefined;
    }
    const ip = uwsIp(res);
    return net.isIPv6(ip) ? `[${ip}]:0` : `${ip}:0`;
  }
}

export const peerCheck = new PeerCheck();
