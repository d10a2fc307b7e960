#include "peer_address.h"

#include <arpa/inet.h>
#include <dlfcn.h>

#include <atomic>
#include <cstring>
#include <string>

#include "js_uws.h"

namespace siphon {
namespace {

// uSockets exports us_poll_fd; every us_socket_t starts with its us_poll_t, and
// uWS.js keeps the socket pointer in internal field 0 of each HttpResponse.
using PollFdFn = int (*)(void*);
std::atomic<PollFdFn> g_poll_fd{nullptr};

}  // namespace

bool BindUwsBinary(const std::string& path) {
  void* handle = dlopen(path.c_str(), RTLD_LAZY | RTLD_NOLOAD);
  if (!handle) return false;
  auto fn = reinterpret_cast<PollFdFn>(dlsym(handle, "us_poll_fd"));
  dlclose(handle);  // Node still holds its own reference
  g_poll_fd.store(fn);
  return fn != nullptr;
}

bool ReadUwsPeer(napi_env, napi_value response, PeerAddress* out, bool defer) {
  PollFdFn poll_fd = g_poll_fd.load(std::memory_order_relaxed);
  if (!poll_fd) return false;
  void* socket = UwsObjectPointer(response);
  if (!socket) return false;  // responded or aborted: uWS clears the field
  int fd = poll_fd(socket);
  if (fd < 0) return false;
  PeerAddress peer;
  peer.pending_fd = fd;
  if (!defer) {
    peer.Resolve();
    if (peer.length == 0) return false;
  }
  *out = peer;
  return true;
}

void PeerAddress::Resolve() {
  if (pending_fd < 0) return;
  length = sizeof(addr);
  if (getpeername(pending_fd, reinterpret_cast<sockaddr*>(&addr), &length) != 0 ||
      (addr.ss_family != AF_INET && addr.ss_family != AF_INET6)) {
    length = 0;
  }
  pending_fd = -1;
}

std::string PeerAddress::FormatIp() const {
  char text[INET6_ADDRSTRLEN] = {0};
  if (length == 0) return "";
  if (addr.ss_family == AF_INET) {
    auto* v4 = reinterpret_cast<const sockaddr_in*>(&addr);
    inet_ntop(AF_INET, &v4->sin_addr, text, sizeof(text));
    return text;
  }
  auto* v6 = reinterpret_cast<const sockaddr_in6*>(&addr);
  if (IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr)) {
    inet_ntop(AF_INET, &v6->sin6_addr.s6_addr[12], text, sizeof(text));
    return text;
  }
  inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof(text));
  return text;
}

std::string PeerAddress::Format() const {
  // During an inline first step the socket is open: read it now.
  if (pending_fd >= 0) const_cast<PeerAddress*>(this)->Resolve();
  if (length == 0) return "";
  uint16_t port;
  bool bracket = false;
  if (addr.ss_family == AF_INET) {
    port = ntohs(reinterpret_cast<const sockaddr_in*>(&addr)->sin_port);
  } else {
    auto* v6 = reinterpret_cast<const sockaddr_in6*>(&addr);
    port = ntohs(v6->sin6_port);
    bracket = !IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr);
  }
  std::string ip = FormatIp();
  return (bracket ? "[" + ip + "]" : ip) + ":" + std::to_string(port);
}

// peerAddress(res) -> "ip:port" | undefined. Used by the JS side where policy
// needs the peer (trusted proxies) and to verify the binding at startup.
Napi::Value PeerAddressText(const Napi::CallbackInfo& info) {
  PeerAddress peer;
  if (info.Length() < 1 || !ReadUwsPeer(info.Env(), info[0], &peer)) return info.Env().Undefined();
  return Napi::String::New(info.Env(), peer.Format());
}

}  // namespace siphon
