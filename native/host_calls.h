// Calls from Python to services on the JS thread: "client" (http.Client on
// undici) and "cache" (the cache namespace). Python queues a call and either
// waits on a condition variable with the GIL released (sync handlers) or gets
// the outcome through an "inbox": a queue plus an eventfd its asyncio loop
// watches, so the JS thread delivers results without ever taking the GIL.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace siphon {

struct HostCallOutcome {
  uint32_t call_id = 0;
  int status = 0;                   // the service's result code (HTTP status for "client"); 0 = failed
  std::string error_kind;           // when failed: connect | timeout | tls | unknown_client | error | ...
  std::string message;              // when failed: what happened, for the exception
  std::vector<std::string> values;  // the service's results ("client": header names and values)
  std::string body;
};

struct HostCallSpec {
  std::string service;              // "client" | "cache"
  std::vector<std::string> args;    // the service's own arguments
  std::string body;
  int timeout_ms = 0;               // 0: the service's own limit applies
};

// An inbox for one asyncio loop. Returns its id and the fd to watch.
uint32_t OpenInbox(int* fd);
std::vector<HostCallOutcome> TakeInbox(uint32_t inbox);

// Queues the call; its outcome lands in `inbox`. Any thread, no GIL needed.
uint32_t SendHostCall(HostCallSpec&& spec, uint32_t inbox);

// Queues the call and waits for its outcome. Call without the GIL.
HostCallOutcome CallHostBlocking(HostCallSpec&& spec);

// JS thread: the outcome of a call.
void DeliverHostCallOutcome(HostCallOutcome&& outcome);

// Inline clients (http.Client(base_url=...)): settings go to JS once.
uint32_t DefineInlineClient(std::string settings_json);
void CloseInlineClient(uint32_t id);

}  // namespace siphon
