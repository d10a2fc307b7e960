// The socket peer of a uWebSockets.js response, read natively because uWS.js
// exposes the peer IP but not its port, and req.client is "ip:port".
#pragma once
#include <napi.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <string>

namespace siphon {

struct PeerAddress {
  sockaddr_storage addr{};
  socklen_t length = 0;  // 0 = unknown
  // A socket whose peer is read on first use instead: getpeername is a
  // syscall per request, and most handlers never ask. Only set while the
  // socket is certainly open (an inline first step on the JS thread);
  // Resolve() reads it before the record outlives that.
  int pending_fd = -1;

  void Resolve();

  // "1.2.3.4:5678", "[::1]:5678"; IPv4-mapped IPv6 peers print as IPv4.
  std::string Format() const;
  std::string FormatIp() const;
};

// Reads the peer of a uWS HttpResponse object. Returns false (leaving `out`
// untouched) when the object is not a live uWS socket we can vouch for.
// Finds us_poll_fd in the loaded uWS.js binary at `path`; false if absent.
bool BindUwsBinary(const std::string& path);

// `defer`: only note the socket (PeerAddress::pending_fd); the caller resolves it.
bool ReadUwsPeer(napi_env env, napi_value response, PeerAddress* out, bool defer = false);

Napi::Value PeerAddressText(const Napi::CallbackInfo& info);

}  // namespace siphon
