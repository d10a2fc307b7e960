// Everything native threads send to the JS thread, one shape per kind.
//
// On the way (host_bridge.cpp) each message becomes one wire slot of six
// int32s -- kind, id, number, string count, body offset, body length -- plus
// its strings and body bytes. kHostMessageWire below says, per kind, what
// those fields carry; src/addon/host-messages.ts declares the same table and
// decodes it, and test/unit/host-messages.test.mjs fails when the two differ.
#pragma once
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace siphon {

enum class HostMessageKind : int32_t {
  kResponse = 0,
  kHandlerFailed = 1,
  kLog = 2,
  kControlDone = 3,
  kHostCall = 4,
  kClientDefine = 5,
  kClientClose = 6,
};

// A handler's answer, checked against the return rules (handler_result.cpp).
struct ResponseMessage {
  uint32_t request_id = 0;
  int status = 200;
  std::vector<std::string> headers;  // name0, value0, name1, ...
  std::string body;
};

// The handler raised or broke the return rules; the reason is already
// logged. JS answers the standard 500 (src/server/plain-answers.ts).
struct HandlerFailedMessage {
  uint32_t request_id = 0;
};

// A log line from native code or a script (host_log.h levels).
struct LogMessage {
  int level = 20;
  std::string target;
  std::string text;
};

// A control task (script load, hooks) finished.
struct ControlDoneMessage {
  uint32_t control_id = 0;
  bool ok = true;
  std::string payload;  // the route table as JSON, or the error text
};

// Python asks a host service on the JS thread to do something (host_calls.h):
// "client" runs an outbound request on undici, "cache" a cache operation.
// `args` are the service's own; the outcome comes back through
// hostCallDone / hostCallFailed.
struct HostCallMessage {
  uint32_t call_id = 0;
  int timeout_ms = 0;
  std::string service;
  std::vector<std::string> args;
  std::string body;
};

// An inline http.Client(base_url=...) was created / closed.
struct ClientDefineMessage {
  uint32_t client_id = 0;
  std::string settings_json;
};
struct ClientCloseMessage {
  uint32_t client_id = 0;
};

using HostMessage = std::variant<ResponseMessage, HandlerFailedMessage, LogMessage, ControlDoneMessage,
                                 HostCallMessage, ClientDefineMessage, ClientCloseMessage>;

// What each wire field carries, per kind ("" = unused). Strings are listed
// in order; "headers..." / "args..." mean "the rest of the strings".
struct HostMessageWire {
  const char* name;
  HostMessageKind kind;
  const char* id;
  const char* number;
  const char* strings;
  const char* body;
};

inline constexpr HostMessageWire kHostMessageWire[] = {
    {"Response", HostMessageKind::kResponse, "requestId", "status", "headers...", "body"},
    {"HandlerFailed", HostMessageKind::kHandlerFailed, "requestId", "", "", ""},
    {"Log", HostMessageKind::kLog, "", "level", "target,text", ""},
    {"ControlDone", HostMessageKind::kControlDone, "controlId", "failed", "payload", ""},
    {"HostCall", HostMessageKind::kHostCall, "callId", "timeoutMs", "service,args...", "body"},
    {"ClientDefine", HostMessageKind::kClientDefine, "clientId", "", "settingsJson", ""},
    {"ClientClose", HostMessageKind::kClientClose, "clientId", "", "", ""},
};

}  // namespace siphon
