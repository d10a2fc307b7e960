// The record a request crosses the JS/native/Python boundaries in: built once
// on the JS thread (js_exports.cpp Submit), owned by the worker that runs it,
// read lazily by the Python Request (py_request.cpp). The answer goes back as
// one host message (host_messages.h).
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

}  // namespace siphon
