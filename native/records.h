// The two records that cross the JS/native/Python boundaries: one request in,
// one completion out. Everything a worker needs travels inside them, so a
// request crosses each boundary exactly once in each direction.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "peer_address.h"

namespace siphon {

class ScriptGeneration;

struct RequestRecord {
  uint32_t id = 0;     // the JS thread's in-flight slot; echoed in the completion
  uint32_t route = 0;  // index into script->routes
  std::shared_ptr<ScriptGeneration> script;  // keeps the handler table alive
  std::string method;                        // upper-case
  std::string path;                          // raw, percent-encoding kept
  std::string query;                         // raw, without '?'
  std::vector<std::string> headers;          // name0, value0, name1, ...; names lower-case
  std::vector<std::string> params;           // raw path-parameter values, route order
  std::string body;
  PeerAddress peer;                          // socket peer, formatted lazily
  std::string client_override;               // set when a trusted proxy named the client
};

// Everything that travels from native threads to the JS thread. Outbound
// client traffic (http.Client) rides the same queue, so a script's requests
// and log lines reach JS in the order the script made them.
struct Completion {
  enum class Kind : uint8_t { kResponse, kLog, kControl, kClientCall, kClientDefine, kClientClose };
  Kind kind = Kind::kResponse;
  uint32_t id = 0;    // request id, control id, client call id, or inline client id
  int status = 0;     // HTTP status, log level, 0/1 = control ok/failed, or a call's timeout_ms
  // kResponse: name0, value0, ...; kLog: {target};
  // kClientCall: {client key, method, url, name0, value0, ...}
  std::vector<std::string> headers;
  // kResponse/kClientCall: body; kLog: message; kControl: payload or error;
  // kClientDefine: the inline client's settings as JSON
  std::string body;
};

}  // namespace siphon
